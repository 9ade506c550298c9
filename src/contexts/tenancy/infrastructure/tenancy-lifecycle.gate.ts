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
  private readonly reading = new Map<string, Promise<TenantLifecycle>>();
  /** Bumped by every `forget`: a read that started before it may predate the change and is not kept. */
  private forgets = 0;

  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async lifecycleOf(tenantId: string): Promise<TenantLifecycle> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.state;
    // Requests arriving while the answer is being read wait for that read, not a read each.
    let reading = this.reading.get(tenantId);
    if (!reading) {
      const read = this.read(tenantId).finally(() => {
        if (this.reading.get(tenantId) === read) this.reading.delete(tenantId);
      });
      this.reading.set(tenantId, (reading = read));
    }
    return reading;
  }

  /** One round trip, in the tenant's own scope (row-level security answers only its binding). */
  private async read(tenantId: string): Promise<TenantLifecycle> {
    const started = Date.now();
    const forgets = this.forgets;
    const [rows] = await this.tx.readInOneTrip([{ sql: 'SELECT state FROM tenancy.tenant_bindings WHERE id = $1', params: [tenantId] }], { tenantId, platform: false });
    const state = (rows[0]?.state as TenantLifecycle | undefined) ?? 'unknown';
    if (this.cache.size > 10_000) this.cache.clear();
    // Trusted from when the read started: the answer is never older than LIFECYCLE_CACHE_MS.
    if (forgets === this.forgets) this.cache.set(tenantId, { state, until: started + LIFECYCLE_CACHE_MS });
    return state;
  }

  override forget(tenantId: string): void {
    this.forgets++;
    this.cache.delete(tenantId);
    this.reading.delete(tenantId);
  }
}
