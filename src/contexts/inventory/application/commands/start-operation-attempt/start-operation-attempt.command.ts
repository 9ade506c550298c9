import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { OperationKind } from '../../../domain/provisioning-policy';

export type StartAttemptResult = { started: true; operationId: string; attempt: number } | { started: false; reason: string };

/**
 * Starts the next provisioning or decommissioning attempt of an environment under a new operation id
 * and schedules handing it to the provisioner. Run by the `inventory.provision-environment` and
 * `inventory.decommission-environment` jobs; a no-op when the environment no longer waits for one.
 */
@AuditedCommand<StartOperationAttemptCommand>({ action: 'environment.start-{kind}-attempt', targetType: 'environment', targetId: (c) => c.environmentId })
export class StartOperationAttemptCommand extends Command<StartAttemptResult> {
  constructor(
    readonly environmentId: string,
    readonly kind: OperationKind,
  ) {
    super();
  }
}
