/**
 * Class of the two-key transaction advisory locks on single deliveries (`(class, id)`): a running
 * delivery holds its key shared, and the worker that cuts off a hung one takes it exclusively while it
 * records the failure, so no other lane claims the delivery in between.
 */
export const DELIVERY_RUN_LOCK_CLASS = 7263004;

/**
 * Transaction-level advisory lock of retention (src/platform/retention-pruner.ts): every pruning batch
 * tries it and ends its round when it is taken; a read-model rebuild holds it, so the event log it
 * replays cannot be pruned under it.
 */
export const RETENTION_LOCK_KEY = 7263011;
