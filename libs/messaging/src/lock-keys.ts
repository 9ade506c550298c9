/**
 * Class of the two-key transaction advisory locks on single deliveries (`(class, id)`): a running
 * delivery holds its key shared, and the worker that cuts off a hung one takes it exclusively while it
 * records the failure, so no other lane claims the delivery in between.
 */
export const DELIVERY_RUN_LOCK_CLASS = 7263004;
