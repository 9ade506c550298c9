import { Injectable } from '@nestjs/common';
import { TenantLifecycle, TenantLifecycleGate } from '@rcp/auth';
import { TransactionManager } from '@rcp/persistence';

/**
 * The API's tenant lifecycle gate, answered from tenancy's own table: a suspended tenant may read but
 * not mutate, an offboarded one gets nothing. One indexed lookup per tenant request, no cache, so a
 * suspension takes effect on every api replica at once.
 */
@Injectable()
export class TenancyLifecycleGate extends TenantLifecycleGate {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async lifecycleOf(tenantId: string): Promise<TenantLifecycle> {
    const rows: Array<{ state: TenantLifecycle }> = await this.tx.read(
      (m) => m.query(`SELECT state FROM tenancy.tenant_bindings WHERE id = $1`, [tenantId]),
      { tenantId, platform: false },
    );
    return rows[0]?.state ?? 'unknown';
  }
}
