import { DomainEvent } from '@rcp/ddd';
import { EnvironmentType } from './environment-name.value-object';
import { PlacementProps } from './placement.value-object';

/** What every environment event carries besides its own facts. */
interface EnvironmentRefPayload {
  tenantId: string;
  projectId: string;
}

export class EnvironmentRequested extends DomainEvent<
  EnvironmentRefPayload & { name: string; type: EnvironmentType; region: string; labels: Record<string, string>; placement: PlacementProps }
> {
  readonly name = 'EnvironmentRequested';
}
export class EnvironmentProvisioningStarted extends DomainEvent<EnvironmentRefPayload & { attempt: number; operationId: string }> {
  readonly name = 'EnvironmentProvisioningStarted';
}
export class EnvironmentProvisioningAttemptFailed extends DomainEvent<
  EnvironmentRefPayload & { attempt: number; operationId: string; reason: string; willRetry: boolean }
> {
  readonly name = 'EnvironmentProvisioningAttemptFailed';
}
export class EnvironmentReady extends DomainEvent<EnvironmentRefPayload & { name: string; type: EnvironmentType; region: string; placement: PlacementProps }> {
  readonly name = 'EnvironmentReady';
}
export class EnvironmentProvisioningFailed extends DomainEvent<EnvironmentRefPayload & { reason: string; attempts: number }> {
  readonly name = 'EnvironmentProvisioningFailed';
}
export class EnvironmentRetryRequested extends DomainEvent<EnvironmentRefPayload & { round: number; previousFailureReason: string | null }> {
  readonly name = 'EnvironmentRetryRequested';
}
export class EnvironmentDecommissioning extends DomainEvent<EnvironmentRefPayload & { reason: string }> {
  readonly name = 'EnvironmentDecommissioning';
}
/**
 * Internal: a decommissioning attempt started (a new operation id). Not published: consumers learn
 * about decommissioning from EnvironmentDecommissioning and its outcome.
 */
export class EnvironmentDecommissioningAttemptStarted extends DomainEvent<EnvironmentRefPayload & { attempt: number; operationId: string }> {
  readonly name = 'EnvironmentDecommissioningAttemptStarted';
}
/**
 * Internal: a decommission was asked for while provisioning was still running; it starts as soon as
 * provisioning settles. Not published (the state did not change).
 */
export class EnvironmentDecommissionDeferred extends DomainEvent<EnvironmentRefPayload & { reason: string }> {
  readonly name = 'EnvironmentDecommissionDeferred';
}
export class EnvironmentDecommissioned extends DomainEvent<EnvironmentRefPayload> {
  readonly name = 'EnvironmentDecommissioned';
}
export class EnvironmentDecommissioningFailed extends DomainEvent<EnvironmentRefPayload & { reason: string; attempts: number }> {
  readonly name = 'EnvironmentDecommissioningFailed';
}

/** Service state as reported by an agent. */
export interface ServiceStatePayload {
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
}

export class ServiceObserved extends DomainEvent<EnvironmentRefPayload & ServiceStatePayload & { service: string; observedAt: string; overQuota: boolean }> {
  readonly name = 'ServiceObserved';
}
export class ServiceChanged extends DomainEvent<
  EnvironmentRefPayload & ServiceStatePayload & { service: string; observedAt: string; overQuota: boolean; previous: ServiceStatePayload }
> {
  readonly name = 'ServiceChanged';
}
export class ServiceRemoved extends DomainEvent<EnvironmentRefPayload & { service: string; observedAt: string }> {
  readonly name = 'ServiceRemoved';
}

/** Every domain event a RuntimeEnvironment records. */
export type EnvironmentEvent =
  | EnvironmentRequested
  | EnvironmentProvisioningStarted
  | EnvironmentProvisioningAttemptFailed
  | EnvironmentReady
  | EnvironmentProvisioningFailed
  | EnvironmentRetryRequested
  | EnvironmentDecommissioning
  | EnvironmentDecommissioningAttemptStarted
  | EnvironmentDecommissionDeferred
  | EnvironmentDecommissioned
  | EnvironmentDecommissioningFailed;

/** Every domain event a RuntimeServiceInventory records. */
export type ServiceInventoryEvent = ServiceObserved | ServiceChanged | ServiceRemoved;
