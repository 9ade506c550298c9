/**
 * Transaction advisory lock that serializes a relay round (exclusive) against promotions of delivery
 * queue heads (shared, in `platform.remove_deliveries`): see migration 1764000012000. Kept free of
 * imports: the migration uses it too. (The relay leader's session lock is `RELAY_LOCK_KEY`, 7263002.)
 */
export const DELIVERY_QUEUE_LOCK_KEY = 7263003;
