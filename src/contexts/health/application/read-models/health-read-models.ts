import { ReadModelTable } from '@rcp/messaging';
import { EnvironmentLifecycleState } from '../../../inventory/contracts';

export interface HealthEnvironmentRow extends Record<string, unknown> {
  environmentId: string;
  tenantId: string;
  projectId: string;
  state: EnvironmentLifecycleState;
}
export interface TenantQuotas {
  maxEnvironments: number;
  maxServicesPerEnvironment: number;
  maxReplicasPerService: number;
  maxTotalReplicas: number;
}
export interface HealthTenantRow extends Record<string, unknown> {
  tenantId: string;
  state: 'active' | 'suspended' | 'offboarded';
  quotas: TenantQuotas;
}
export interface HealthServiceRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  tenantId: string;
  replicas: number;
  readyReplicas: number;
  observedAt: string;
  removed: boolean;
}

/** A rollout of a service, as the deployment context published it: unfinished (`active`) or not. */
export interface HealthRolloutRow extends Record<string, unknown> {
  deploymentId: string;
  environmentId: string;
  service: string;
  tenantId: string;
  active: boolean;
}

/** Health's copies of what inventory and tenancy published: environments, tenants' quotas, observed services. */
export const HEALTH_ENVIRONMENTS = new ReadModelTable<HealthEnvironmentRow>({ table: 'health.environments', key: ['environmentId'], versioned: true });
export const HEALTH_TENANTS = new ReadModelTable<HealthTenantRow>({ table: 'health.tenants', key: ['tenantId'], json: ['quotas'], versioned: true });
export const HEALTH_SERVICES = new ReadModelTable<HealthServiceRow>({ table: 'health.services', key: ['environmentId', 'service'], versioned: true });
/** What the deployment context published about rollouts (one row per deployment). */
export const HEALTH_ROLLOUTS = new ReadModelTable<HealthRolloutRow>({ table: 'health.rollouts', key: ['deploymentId'], versioned: true });

/** What health's commands read of its read models. */
export abstract class HealthDirectory {
  abstract environment(environmentId: string): Promise<HealthEnvironmentRow | null>;
  abstract quotas(tenantId: string): Promise<TenantQuotas | null>;
  /** The service's replicas as inventory last observed them, and when. */
  abstract service(environmentId: string, service: string): Promise<{ replicas: number; observedAt: Date } | null>;
  /** Replicas the tenant's other live services run (across its environments), for maxTotalReplicas. */
  abstract otherReplicas(tenantId: string, environmentId: string, service: string): Promise<number>;
  /** Whether a rollout of the service is unfinished (scaling waits for it, as Flagger pauses the HPA). */
  abstract deploying(environmentId: string, service: string): Promise<boolean>;
  /** Ready environments, across tenants (platform work), by id after `afterId`. */
  abstract ready(limit: number, afterId?: string): Promise<HealthEnvironmentRow[]>;
}
