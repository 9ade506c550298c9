import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { TenantReadModel } from '../application/read-models/tenant-read-model';
import { TenantLifecycleState, TenantPlacement, TenantQuotas, TenantTerms } from '../domain/tenant-terms';

interface TenantRow {
  tenant_id: string;
  state: TenantLifecycleState;
  placement: TenantPlacement;
  quotas: TenantQuotas;
}

/** Reads `inventory.tenants`, which `ProjectTenantOnTenancyEventsHandler` keeps. */
@Injectable()
export class TypeOrmTenantReadModel extends TenantReadModel {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async termsOf(tenantId: string, opts: { lock?: boolean } = {}): Promise<TenantTerms | null> {
    const rows: TenantRow[] = await this.tx
      .manager()
      .query(`SELECT tenant_id, state, placement, quotas FROM inventory.tenants WHERE tenant_id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [tenantId]);
    const r = rows[0];
    return r ? { tenantId: r.tenant_id, state: r.state, placement: r.placement, quotas: r.quotas } : null;
  }
}
