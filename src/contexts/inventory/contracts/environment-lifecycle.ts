import {
  EnvironmentDecommissionedV1,
  EnvironmentDecommissioningFailedV1,
  EnvironmentDecommissioningV1,
  EnvironmentProvisioningFailedV1,
  EnvironmentProvisioningStartedV1,
  EnvironmentReadyV1,
  EnvironmentRetryRequestedV1,
} from './inventory.integration-events';

/** An environment's lifecycle state as other contexts' read models keep it. */
export type EnvironmentLifecycleState = 'requested' | 'provisioning' | 'ready' | 'failed' | 'decommissioning' | 'decommissioned';

/** The events that move a requested environment, and the state each leaves it in. */
const STATE_AFTER = new Map<abstract new (...args: never[]) => unknown, EnvironmentLifecycleState>([
  [EnvironmentProvisioningStartedV1, 'provisioning'],
  [EnvironmentReadyV1, 'ready'],
  [EnvironmentProvisioningFailedV1, 'failed'],
  [EnvironmentRetryRequestedV1, 'requested'],
  [EnvironmentDecommissioningV1, 'decommissioning'],
  [EnvironmentDecommissioningFailedV1, 'failed'],
  [EnvironmentDecommissionedV1, 'decommissioned'],
]);

export type EnvironmentStateEvent =
  | EnvironmentProvisioningStartedV1
  | EnvironmentReadyV1
  | EnvironmentProvisioningFailedV1
  | EnvironmentRetryRequestedV1
  | EnvironmentDecommissioningV1
  | EnvironmentDecommissioningFailedV1
  | EnvironmentDecommissionedV1;

/**
 * Every event after `EnvironmentRequestedV1` that changes an environment's lifecycle state, for a read
 * model that follows it: `@On(...ENVIRONMENT_STATE_EVENTS) moved(e) { … environmentStateAfter(e) … }`.
 */
export const ENVIRONMENT_STATE_EVENTS = [
  EnvironmentProvisioningStartedV1,
  EnvironmentReadyV1,
  EnvironmentProvisioningFailedV1,
  EnvironmentRetryRequestedV1,
  EnvironmentDecommissioningV1,
  EnvironmentDecommissioningFailedV1,
  EnvironmentDecommissionedV1,
];

/** The lifecycle state an environment is in after `event`. */
export function environmentStateAfter(event: EnvironmentStateEvent): EnvironmentLifecycleState {
  const state = STATE_AFTER.get(event.constructor as abstract new (...args: never[]) => unknown);
  if (!state) throw new Error(`${event.constructor.name} does not change an environment's lifecycle state`);
  return state;
}
