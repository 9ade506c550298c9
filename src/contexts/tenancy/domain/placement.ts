import { createHash } from 'node:crypto';

export type IsolationMode = 'shared' | 'pooled' | 'siloed';
export const ISOLATION_MODES: readonly IsolationMode[] = ['shared', 'pooled', 'siloed'];

export interface Placement {
  model: 'dedicated' | 'pool' | 'shared';
  cluster: string;
  namespacePrefix: string;
  dataStore: string;
  labels: Record<string, string>;
}

/** Number of shared pools pooled tenants are spread over. */
export const POOL_COUNT = 4;

/**
 * Where a tenant's workloads and data live, derived from its isolation mode:
 * - `siloed`: a dedicated cluster, namespaces and data store of its own;
 * - `pooled`: a slot in one of the shared pools (stable per tenant), partitioned per tenant;
 * - `shared`: the shared cluster and store, with the tenant carried in labels.
 * Deterministic, so every context derives the same answer from the same event.
 */
export function placementFor(tenantId: string, mode: IsolationMode): Placement {
  const labels = { 'rcp.dev/tenant': tenantId, 'rcp.dev/isolation': mode };
  switch (mode) {
    case 'siloed':
      return { model: 'dedicated', cluster: `silo-${tenantId}`, namespacePrefix: `${tenantId}-`, dataStore: `db-${tenantId}`, labels };
    case 'pooled': {
      const pool = createHash('sha256').update(tenantId).digest().readUInt32BE(0) % POOL_COUNT;
      return { model: 'pool', cluster: `pool-${pool}`, namespacePrefix: `${tenantId}-`, dataStore: `pool-${pool}/tenant_${tenantId.replace(/-/g, '_')}`, labels };
    }
    case 'shared':
      return { model: 'shared', cluster: 'shared', namespacePrefix: 'shared-', dataStore: 'shared', labels };
  }
}
