import { Injectable } from '@nestjs/common';
import { TenantLifecycle, TenantLifecycleGate } from '@rcp/auth';
import { TransactionManager } from '@rcp/persistence';

/** How long a process trusts what it read of a tenant's lifecycle. */
export const LIFECYCLE_CACHE_MS = 1000;

/**
 * The API's tenant lifecycle gate, answered from tenancy's own table: a suspended tenant may read but
 * not mutate, an offboarded one gets nothing. Each process remembers an answer for one second (the gate
 * runs on every tenant request); the process that changes a lifecycle forgets it at once, so other api
 * replicas see a suspension within a second at most.
 */
@Injectable()
export class TenancyLifecycleGate extends TenantLifecycleGate {
  private readonly cache = new Map<string, { state: TenantLifecycle; until: number }>();

  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async lifecycleOf(tenantId: string): Promise<TenantLifecycle> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.state;
    const rows: Array<{ state: TenantLifecycle }> = await this.tx.read(
      (m) => m.query(`SELECT state FROM tenancy.tenant_bindings WHERE id = $1`, [tenantId]),
      { tenantId, platform: false },
    );
    const state = rows[0]?.state ?? 'unknown';
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(tenantId, { state, until: Date.now() + LIFECYCLE_CACHE_MS });
    return state;
  }

  override forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
