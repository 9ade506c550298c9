/**
 * Port: the executor callbacks already applied, by their id. Together with "only the operation in
 * flight completes", it makes a replayed callback (same signed request sent again within the
 * timestamp tolerance) a no-op.
 */
export abstract class ExecutorCallbackLog {
  /** Remembers a callback; false when its id was seen before. Runs in the caller's transaction. */
  abstract remember(callbackId: string, record: { operationId: string; environmentId: string; tenantId: string; status: string }): Promise<boolean>;
}
