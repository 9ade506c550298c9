import { Command } from '@nestjs/cqrs';

export type DispatchResult = { dispatched: true } | { dispatched: false; reason: string };

/**
 * Hands the operation in flight to the provisioner. Throws when the provisioner cannot take it (the
 * job retries with backoff); a no-op when the operation is no longer in flight.
 */
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
