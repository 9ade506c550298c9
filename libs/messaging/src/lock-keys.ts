/**
 * Transaction advisory lock that serializes a relay round (exclusive) against promotions of delivery
 * queue heads (shared, in `platform.remove_deliveries`): see migration 1764000012000. Kept free of
 * imports: the migration uses it too. (The relay leader's session lock is `RELAY_LOCK_KEY`, 7263002.)
 */
export const DELIVERY_QUEUE_LOCK_KEY = 7263003;

/**
 * Class of the two-key transaction advisory locks on single deliveries (`(class, id)`): a running
 * delivery holds its key shared, and the worker that cuts off a hung one takes it exclusively while it
 * records the failure, so no other lane claims the delivery in between.
 */
export const DELIVERY_RUN_LOCK_CLASS = 7263004;
