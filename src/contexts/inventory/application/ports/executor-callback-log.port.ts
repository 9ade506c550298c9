/**
 * Port: the executor callbacks already received, by their id, whether or not their operation was
 * known. Together with "only the operation in flight completes", it makes a replayed callback (same
 * signed request sent again within the timestamp tolerance) a no-op.
 */
export abstract class ExecutorCallbackLog {
  /**
   * Remembers a callback; false when its id was seen before. Environment and tenant are null when the
   * operation is unknown. Runs in the caller's transaction.
   */
  abstract remember(
    callbackId: string,
    record: { operationId: string; environmentId: string | null; tenantId: string | null; status: string },
  ): Promise<boolean>;
}
