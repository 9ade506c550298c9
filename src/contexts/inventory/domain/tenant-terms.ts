/**
 * What inventory knows about a tenant: the terms under which it may have environments. A local read
 * model kept from tenancy's published events (`rcp.tenancy.*`), never read from tenancy's tables.
 */
export type TenantLifecycleState = 'active' | 'suspended' | 'offboarded';

export interface TenantPlacement {
  model: 'dedicated' | 'pool' | 'shared';
  cluster: string;
  namespacePrefix: string;
  dataStore: string;
  labels: Record<string, string>;
}

export interface TenantQuotas {
  maxEnvironments: number;
  maxServicesPerEnvironment: number;
  maxReplicasPerService: number;
  maxTotalReplicas: number;
}

export interface TenantTerms {
  tenantId: string;
  state: TenantLifecycleState;
  placement: TenantPlacement;
  quotas: TenantQuotas;
}
