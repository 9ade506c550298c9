import { Command } from '@nestjs/cqrs';
import { UnauditedCommand } from '@rcp/persistence';

export type DispatchResult = { dispatched: true } | { dispatched: false; reason: string };

/**
 * Hands the operation in flight to the provisioner. Throws when the provisioner cannot take it (the
 * job retries with backoff); a no-op when the operation is no longer in flight.
 */
@UnauditedCommand('it only hands the operation to the provisioner; the attempt it dispatches was audited when it started')
export class DispatchOperationCommand extends Command<DispatchResult> {
  constructor(
    readonly environmentId: string,
    readonly operationId: string,
    /** Sent with the hand-over (see `ProvisionerCall`): the dispatch job's idempotency key. */
    readonly idempotencyKey?: string,
  ) {
    super();
  }
}
