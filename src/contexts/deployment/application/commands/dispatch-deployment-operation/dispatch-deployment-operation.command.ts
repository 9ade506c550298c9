import { Command } from '@nestjs/cqrs';
import { UnauditedCommand } from '@rcp/persistence';

/** Hands the operation a rollout awaits to the workload executor (the job retries while it is unreachable). */
@UnauditedCommand('it only hands the awaited operation to the executor; the change that made it awaited was audited')
export class DispatchDeploymentOperationCommand extends Command<{ sent: boolean }> {
  constructor(
    readonly deploymentId: string,
    readonly operationId: string,
  ) {
    super();
  }
}
