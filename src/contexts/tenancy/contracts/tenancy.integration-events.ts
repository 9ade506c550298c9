import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';
import type { PlacementData } from '../../inventory/contracts';

/**
 * Published events of the tenancy context (`rcp.tenancy.*.v1`). Inventory honours the placement and
 * quotas they carry; the API gates honour the lifecycle.
 */

export type IsolationMode = 'shared' | 'pooled' | 'siloed';
export type TenantState = 'active' | 'suspended' | 'offboarded';

export interface QuotasData {
  maxEnvironments: number;
  maxServicesPerEnvironment: number;
  maxReplicasPerService: number;
  maxTotalReplicas: number;
}

/** Where a tenant's workloads and data live, derived from its isolation mode. */
export interface TenantPlacementData {
  model: PlacementData['model'];
  cluster: string;
  namespacePrefix: string;
  dataStore: string;
  labels: Record<string, string>;
}

const quotasSchema = {
  type: 'object',
  required: ['maxEnvironments', 'maxServicesPerEnvironment', 'maxReplicasPerService', 'maxTotalReplicas'],
  properties: {
    maxEnvironments: { type: 'integer', minimum: 1 },
    maxServicesPerEnvironment: { type: 'integer', minimum: 1 },
    maxReplicasPerService: { type: 'integer', minimum: 1 },
    maxTotalReplicas: { type: 'integer', minimum: 1 },
  },
};
const placementSchema = {
  type: 'object',
  required: ['model', 'cluster', 'namespacePrefix', 'dataStore', 'labels'],
  properties: {
    model: { enum: ['dedicated', 'pool', 'shared'] },
    cluster: { type: 'string' },
    namespacePrefix: { type: 'string' },
    dataStore: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export interface TenantOnboardedData {
  tenantId: string;
  displayName: string;
  isolationMode: IsolationMode;
  placement: TenantPlacementData;
  quotas: QuotasData;
}
@PublishedEvent({
  type: 'rcp.tenancy.tenant-onboarded.v1',
  description: 'A tenant was onboarded with its isolation mode, placement and quotas.',
  schema: {
    type: 'object',
    required: ['tenantId', 'displayName', 'isolationMode', 'placement', 'quotas'],
    properties: {
      tenantId: { type: 'string' },
      displayName: { type: 'string' },
      isolationMode: { enum: ['shared', 'pooled', 'siloed'] },
      placement: placementSchema,
      quotas: quotasSchema,
    },
  },
})
export class TenantOnboardedV1 extends IntegrationEvent<TenantOnboardedData> {}

export interface TenantQuotasChangedData {
  tenantId: string;
  quotas: QuotasData;
  previous: QuotasData;
}
@PublishedEvent({
  type: 'rcp.tenancy.tenant-quotas-changed.v1',
  description: 'The tenant\'s quotas changed. Lowering below current usage is allowed and blocks new growth.',
  schema: { type: 'object', required: ['tenantId', 'quotas', 'previous'], properties: { tenantId: { type: 'string' }, quotas: quotasSchema, previous: quotasSchema } },
})
export class TenantQuotasChangedV1 extends IntegrationEvent<TenantQuotasChangedData> {}

export interface TenantIsolationChangedData {
  tenantId: string;
  isolationMode: IsolationMode;
  previousMode: IsolationMode;
  placement: TenantPlacementData;
}
@PublishedEvent({
  type: 'rcp.tenancy.tenant-isolation-changed.v1',
  description: 'The tenant\'s isolation mode, and so its placement, changed (only possible without live environments).',
  schema: {
    type: 'object',
    required: ['tenantId', 'isolationMode', 'previousMode', 'placement'],
    properties: { tenantId: { type: 'string' }, isolationMode: { enum: ['shared', 'pooled', 'siloed'] }, previousMode: { enum: ['shared', 'pooled', 'siloed'] }, placement: placementSchema },
  },
})
export class TenantIsolationChangedV1 extends IntegrationEvent<TenantIsolationChangedData> {}

export interface TenantRenamedData {
  tenantId: string;
  displayName: string;
}
@PublishedEvent({
  type: 'rcp.tenancy.tenant-renamed.v1',
  description: 'The tenant\'s display name changed.',
  schema: { type: 'object', required: ['tenantId', 'displayName'], properties: { tenantId: { type: 'string' }, displayName: { type: 'string' } } },
})
export class TenantRenamedV1 extends IntegrationEvent<TenantRenamedData> {}

export interface TenantLifecycleData {
  tenantId: string;
  reason: string | null;
}
const lifecycleSchema = { type: 'object', required: ['tenantId', 'reason'], properties: { tenantId: { type: 'string' }, reason: { type: ['string', 'null'] } } };

@PublishedEvent({ type: 'rcp.tenancy.tenant-suspended.v1', description: 'The tenant is suspended: it can read but not change anything.', schema: lifecycleSchema })
export class TenantSuspendedV1 extends IntegrationEvent<TenantLifecycleData> {}

@PublishedEvent({ type: 'rcp.tenancy.tenant-reactivated.v1', description: 'A suspended tenant is active again.', schema: lifecycleSchema })
export class TenantReactivatedV1 extends IntegrationEvent<TenantLifecycleData> {}

@PublishedEvent({
  type: 'rcp.tenancy.tenant-offboarded.v1',
  description: 'The tenant is offboarded for good; its environments are decommissioned and its tokens refused.',
  schema: lifecycleSchema,
})
export class TenantOffboardedV1 extends IntegrationEvent<TenantLifecycleData> {}
