import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

export type OperationOutcome = { succeeded: true } | { succeeded: false; reason: string };

/** The executor reports the outcome of an operation a rollout awaited (an unknown or stale one changes nothing). */
@AuditedCommand<CompleteDeploymentOperationCommand>({
  action: 'deployment.operation-completed',
  targetType: 'deployment-operation',
  targetId: (c) => c.operationId,
  details: (c) => ({ succeeded: c.outcome.succeeded }),
})
export class CompleteDeploymentOperationCommand extends Command<{ applied: boolean }> {
  constructor(
    readonly operationId: string,
    readonly outcome: OperationOutcome,
  ) {
    super();
  }
}
