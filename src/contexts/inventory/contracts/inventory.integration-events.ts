import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/**
 * Published events of the inventory context (`rcp.inventory.*.v1`): the environment lifecycle and the
 * live service inventory. Other contexts keep local read models from these; they never read inventory's
 * tables.
 */

export type EnvironmentType = 'development' | 'staging' | 'production';

export interface PlacementData {
  model: 'dedicated' | 'pool' | 'shared';
  cluster: string;
  namespace: string;
  dataStore: string;
}

const placementSchema = {
  type: 'object',
  required: ['model', 'cluster', 'namespace', 'dataStore'],
  properties: {
    model: { enum: ['dedicated', 'pool', 'shared'] },
    cluster: { type: 'string' },
    namespace: { type: 'string' },
    dataStore: { type: 'string' },
  },
};

const envRef = {
  environmentId: { type: 'string', format: 'uuid' },
  tenantId: { type: 'string' },
  projectId: { type: 'string' },
};

export interface EnvironmentRef {
  environmentId: string;
  tenantId: string;
  projectId: string;
}

export interface EnvironmentRequestedData extends EnvironmentRef {
  name: string;
  type: EnvironmentType;
  region: string;
  labels: Record<string, string>;
  placement: PlacementData;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-requested.v1',
  description: 'A runtime environment was requested; provisioning will start shortly.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'name', 'type', 'region', 'labels', 'placement'],
    properties: {
      ...envRef,
      name: { type: 'string' },
      type: { enum: ['development', 'staging', 'production'] },
      region: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      placement: placementSchema,
    },
  },
})
export class EnvironmentRequestedV1 extends IntegrationEvent<EnvironmentRequestedData> {}

export interface EnvironmentProvisioningStartedData extends EnvironmentRef {
  attempt: number;
  operationId: string;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-provisioning-started.v1',
  description: 'The provisioner started (or retried) creating the environment.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'attempt', 'operationId'],
    properties: { ...envRef, attempt: { type: 'integer', minimum: 1 }, operationId: { type: 'string' } },
  },
})
export class EnvironmentProvisioningStartedV1 extends IntegrationEvent<EnvironmentProvisioningStartedData> {}

export interface EnvironmentReadyData extends EnvironmentRef {
  name: string;
  type: EnvironmentType;
  region: string;
  placement: PlacementData;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-ready.v1',
  description: 'The environment is provisioned and can receive deployments.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'name', 'type', 'region', 'placement'],
    properties: { ...envRef, name: { type: 'string' }, type: { enum: ['development', 'staging', 'production'] }, region: { type: 'string' }, placement: placementSchema },
  },
})
export class EnvironmentReadyV1 extends IntegrationEvent<EnvironmentReadyData> {}

export interface EnvironmentProvisioningFailedData extends EnvironmentRef {
  reason: string;
  attempts: number;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-provisioning-failed.v1',
  description: 'Provisioning failed for good (after retries or a timeout); the environment is failed.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'reason', 'attempts'],
    properties: { ...envRef, reason: { type: 'string' }, attempts: { type: 'integer' } },
  },
})
export class EnvironmentProvisioningFailedV1 extends IntegrationEvent<EnvironmentProvisioningFailedData> {}

export interface EnvironmentDecommissioningData extends EnvironmentRef {
  reason: string;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-decommissioning.v1',
  description: 'The environment is being torn down; it no longer accepts deployments.',
  schema: { type: 'object', required: ['environmentId', 'tenantId', 'projectId', 'reason'], properties: { ...envRef, reason: { type: 'string' } } },
})
export class EnvironmentDecommissioningV1 extends IntegrationEvent<EnvironmentDecommissioningData> {}

@PublishedEvent({
  type: 'rcp.inventory.environment-decommissioned.v1',
  description: 'The environment and its infrastructure are gone.',
  schema: { type: 'object', required: ['environmentId', 'tenantId', 'projectId'], properties: { ...envRef } },
})
export class EnvironmentDecommissionedV1 extends IntegrationEvent<EnvironmentRef> {}

export interface ServiceStateData {
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
}

export interface ServiceObservedData extends EnvironmentRef, ServiceStateData {
  service: string;
  observedAt: string;
  overQuota: boolean;
}
const serviceState = {
  image: { type: 'string' },
  replicas: { type: 'integer', minimum: 0 },
  readyReplicas: { type: 'integer', minimum: 0 },
  configChecksum: { type: ['string', 'null'] },
};
@PublishedEvent({
  type: 'rcp.inventory.service-observed.v1',
  description: 'A service was seen running in an environment for the first time. Its subject is `<environmentId>/services` (the service inventory of the environment, with its own version line).',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'service', 'image', 'replicas', 'readyReplicas', 'configChecksum', 'observedAt', 'overQuota'],
    properties: { ...envRef, service: { type: 'string' }, ...serviceState, observedAt: { type: 'string', format: 'date-time' }, overQuota: { type: 'boolean' } },
  },
})
export class ServiceObservedV1 extends IntegrationEvent<ServiceObservedData> {}

export interface ServiceChangedData extends ServiceObservedData {
  previous: ServiceStateData;
}
@PublishedEvent({
  type: 'rcp.inventory.service-changed.v1',
  description: 'A running service changed image, replicas, readiness or config checksum. Its subject is `<environmentId>/services` (the service inventory of the environment, with its own version line).',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'service', 'image', 'replicas', 'readyReplicas', 'configChecksum', 'observedAt', 'overQuota', 'previous'],
    properties: {
      ...envRef,
      service: { type: 'string' },
      ...serviceState,
      observedAt: { type: 'string', format: 'date-time' },
      overQuota: { type: 'boolean' },
      previous: { type: 'object', required: ['image', 'replicas', 'readyReplicas', 'configChecksum'], properties: serviceState },
    },
  },
})
export class ServiceChangedV1 extends IntegrationEvent<ServiceChangedData> {}

export interface ServiceRemovedData extends EnvironmentRef {
  service: string;
  observedAt: string;
}
@PublishedEvent({
  type: 'rcp.inventory.service-removed.v1',
  description: 'A service disappeared from a full actual-state report. Its subject is `<environmentId>/services` (the service inventory of the environment, with its own version line).',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'service', 'observedAt'],
    properties: { ...envRef, service: { type: 'string' }, observedAt: { type: 'string', format: 'date-time' } },
  },
})
export class ServiceRemovedV1 extends IntegrationEvent<ServiceRemovedData> {}

// ---------------------------------------------------------------------------------------------------
// Added with the inventory context (issue 6). Existing types above keep their names and data shapes.
// ---------------------------------------------------------------------------------------------------

export interface EnvironmentProvisioningAttemptFailedData extends EnvironmentRef {
  operationId: string;
  attempt: number;
  reason: string;
  /** Another attempt follows after a backoff; false when this was the last attempt. */
  willRetry: boolean;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-provisioning-attempt-failed.v1',
  description: 'One provisioning attempt failed; another attempt follows after a backoff (see environment-provisioning-failed for the final outcome).',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'operationId', 'attempt', 'reason', 'willRetry'],
    properties: { ...envRef, operationId: { type: 'string' }, attempt: { type: 'integer', minimum: 1 }, reason: { type: 'string' }, willRetry: { type: 'boolean' } },
  },
})
export class EnvironmentProvisioningAttemptFailedV1 extends IntegrationEvent<EnvironmentProvisioningAttemptFailedData> {}

export interface EnvironmentRetryRequestedData extends EnvironmentRef {
  /** Provisioning round about to start (1 was the first request, 2 the first retry, …). */
  round: number;
  previousFailureReason: string | null;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-retry-requested.v1',
  description: 'A failed environment was sent back to provisioning (state requested) by POST /v1/environments/{id}/retry.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'round', 'previousFailureReason'],
    properties: { ...envRef, round: { type: 'integer', minimum: 2 }, previousFailureReason: { type: ['string', 'null'] } },
  },
})
export class EnvironmentRetryRequestedV1 extends IntegrationEvent<EnvironmentRetryRequestedData> {}

export interface EnvironmentDecommissioningFailedData extends EnvironmentRef {
  reason: string;
  attempts: number;
}
@PublishedEvent({
  type: 'rcp.inventory.environment-decommissioning-failed.v1',
  description: 'Tearing the environment down failed after retries; it is failed and can be decommissioned again.',
  schema: {
    type: 'object',
    required: ['environmentId', 'tenantId', 'projectId', 'reason', 'attempts'],
    properties: { ...envRef, reason: { type: 'string' }, attempts: { type: 'integer' } },
  },
})
export class EnvironmentDecommissioningFailedV1 extends IntegrationEvent<EnvironmentDecommissioningFailedData> {}
