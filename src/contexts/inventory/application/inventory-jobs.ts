/** Names and payloads of the background jobs of the inventory context (rows of `platform.jobs`). */
export const INVENTORY_JOBS = {
  /** Starts the next provisioning attempt (a new provisioner operation) of an environment. */
  provision: 'inventory.provision-environment',
  /** Starts the next decommissioning attempt of an environment. */
  decommission: 'inventory.decommission-environment',
  /** Hands an operation that is in flight to the provisioner (retried while the provisioner is unreachable). */
  dispatch: 'inventory.dispatch-operation',
  /** Fails a provisioning round still running PROVISION_TIMEOUT_SECONDS after it started. */
  timeout: 'inventory.provisioning-timeout',
  /** Reads what runs in an environment from the data plane and records it like an agent's report. */
  pullActualState: 'inventory.pull-actual-state',
} as const;

export interface EnvironmentJobPayload {
  environmentId: string;
}
export interface DispatchJobPayload {
  environmentId: string;
  operationId: string;
}
export interface TimeoutJobPayload {
  environmentId: string;
  /** The round this timer belongs to (its start); a later round is not affected. */
  roundStartedAt: string;
}
