import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { OperationOutcome } from '../../../domain/provisioning-policy';
import { EnvironmentState } from '../../../domain/runtime-environment.aggregate';

export interface CompletionView {
  operationId: string;
  applied: boolean;
  reason?: string;
  environmentId?: string;
  state?: EnvironmentState;
}

/**
 * Applies a provisioner outcome to the environment whose operation it is. The one entry point for
 * every adapter: the HTTP executor callback, the simulated provisioner's delayed job, and the
 * dispatcher when the provisioner stayed unreachable.
 */
@AuditedCommand<CompleteOperationCommand>({
  // {kind}: the kind of the operation in flight, which the handler notes once it found the environment.
  action: 'environment.complete-{kind}',
  targetType: 'environment',
  details: ({ operationId, outcome, source }) => ({ operationId, succeeded: outcome.succeeded, reason: outcome.succeeded ? null : outcome.reason, via: source.via }),
})
export class CompleteOperationCommand extends Command<CompletionView> {
  constructor(
    readonly operationId: string,
    readonly outcome: OperationOutcome,
    readonly source: { via: 'executor-callback' | 'simulated' | 'dispatcher'; callbackId?: string },
  ) {
    super();
  }
}
