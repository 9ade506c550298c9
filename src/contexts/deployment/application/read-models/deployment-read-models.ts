import { ReadModelTable } from '@rcp/messaging';
import { EnvironmentLifecycleState } from '../../../inventory/contracts';
import { HealthStatusName } from '../../../health/contracts';

/** The deployment context's copies of what the other contexts published, as much as its preconditions and gate need. */

export interface DeploymentEnvironmentRow extends Record<string, unknown> {
  environmentId: string;
  tenantId: string;
  projectId: string;
  state: EnvironmentLifecycleState;
}
export interface DeploymentTenantRow extends Record<string, unknown> {
  tenantId: string;
  state: 'active' | 'suspended' | 'offboarded';
  maxReplicasPerService: number;
  maxTotalReplicas: number;
}
/** A service as inventory last observed it: what runs, for the quota counts and the replicas a rollout starts from. */
export interface DeploymentServiceRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  tenantId: string;
  image: string;
  replicas: number;
  removed: boolean;
}
/** A published configuration version (immutable: written once). */
export interface DeploymentConfigVersionRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  version: number;
  tenantId: string;
  checksum: string;
}
export interface DeploymentSecretBindingRow extends Record<string, unknown> {
  bindingId: string;
  environmentId: string;
  tenantId: string;
  name: string;
  /** The vault reference the executor resolves (null for an inline binding). */
  reference: string | null;
  status: 'resolvable' | 'unresolvable';
  reason: string | null;
  removed: boolean;
}
/** The health of a service's revision ('' for the service as a whole), as health's events left it. */
export interface DeploymentServiceHealthRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  revision: string;
  tenantId: string;
  status: HealthStatusName;
  since: string;
}

export const DEPLOYMENT_ENVIRONMENTS = new ReadModelTable<DeploymentEnvironmentRow>({ table: 'deployment.environments', key: ['environmentId'], versioned: true });
export const DEPLOYMENT_TENANTS = new ReadModelTable<DeploymentTenantRow>({ table: 'deployment.tenants', key: ['tenantId'], versioned: true });
export const DEPLOYMENT_SERVICES = new ReadModelTable<DeploymentServiceRow>({ table: 'deployment.services', key: ['environmentId', 'service'], versioned: true });
export const DEPLOYMENT_CONFIG_VERSIONS = new ReadModelTable<DeploymentConfigVersionRow>({ table: 'deployment.config_versions', key: ['environmentId', 'service', 'version'], versioned: false });
export const DEPLOYMENT_SECRET_BINDINGS = new ReadModelTable<DeploymentSecretBindingRow>({ table: 'deployment.secret_bindings', key: ['bindingId'], versioned: true });
export const DEPLOYMENT_SERVICE_HEALTH = new ReadModelTable<DeploymentServiceHealthRow>({ table: 'deployment.service_health', key: ['environmentId', 'service', 'revision'], versioned: true });

/** What the deployment context's commands read of its read models. */
export abstract class DeploymentDirectory {
  abstract environment(environmentId: string): Promise<DeploymentEnvironmentRow | null>;
  abstract tenant(tenantId: string): Promise<DeploymentTenantRow | null>;
  /** The service as last observed (null: not running, or removed). */
  abstract service(environmentId: string, service: string): Promise<DeploymentServiceRow | null>;
  /** Replicas the tenant's live services run, every environment included. */
  abstract tenantReplicas(tenantId: string): Promise<number>;
  abstract configVersion(environmentId: string, service: string, version: number): Promise<DeploymentConfigVersionRow | null>;
  /** The newest published version of the service's configuration with this checksum (what a desired state pins), or the newest of all without one. */
  abstract latestConfigVersion(environmentId: string, service: string, checksum?: string | null): Promise<DeploymentConfigVersionRow | null>;
  /** The environment's live bindings. */
  abstract bindings(environmentId: string): Promise<DeploymentSecretBindingRow[]>;
  /** Health of the revision, and whether any health source has reported the service at all. */
  abstract health(environmentId: string, service: string, revision: string): Promise<{ row: DeploymentServiceHealthRow | null; serviceKnown: boolean }>;
}
