import { Command } from '@nestjs/cqrs';
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
export class CompleteOperationCommand extends Command<CompletionView> {
  constructor(
    readonly operationId: string,
    readonly outcome: OperationOutcome,
    readonly source: { via: 'executor-callback' | 'simulated' | 'dispatcher'; callbackId?: string },
  ) {
    super();
  }
}
