import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { TenantReadModel, TenantTermsChange } from '../application/read-models/tenant-read-model';
import { TenantPlacement, TenantQuotas, TenantTerms, TenantLifecycleState } from '../domain/tenant-terms';

interface TenantRow {
  tenant_id: string;
  state: TenantLifecycleState;
  placement: TenantPlacement;
  quotas: TenantQuotas;
}

/** `inventory.tenants`: inventory's own copy of what tenancy published about each tenant. */
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

  async onboarded(terms: TenantTerms & { isolationMode: string }, sourceVersion: number): Promise<void> {
    await this.tx.manager().query(
      `INSERT INTO inventory.tenants (tenant_id, state, isolation_mode, placement, quotas, source_version)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET state = EXCLUDED.state, isolation_mode = EXCLUDED.isolation_mode,
         placement = EXCLUDED.placement, quotas = EXCLUDED.quotas, source_version = EXCLUDED.source_version, updated_at = now()
       WHERE inventory.tenants.source_version < EXCLUDED.source_version`,
      [terms.tenantId, terms.state, terms.isolationMode, JSON.stringify(terms.placement), JSON.stringify(terms.quotas), sourceVersion],
    );
  }

  async changed(tenantId: string, change: TenantTermsChange, sourceVersion: number): Promise<void> {
    await this.tx.manager().query(
      `UPDATE inventory.tenants SET
         state = COALESCE($2, state),
         isolation_mode = COALESCE($3, isolation_mode),
         placement = COALESCE($4::jsonb, placement),
         quotas = COALESCE($5::jsonb, quotas),
         source_version = $6,
         updated_at = now()
       WHERE tenant_id = $1 AND source_version < $6`,
      [
        tenantId,
        change.state ?? null,
        change.isolationMode ?? null,
        change.placement ? JSON.stringify(change.placement) : null,
        change.quotas ? JSON.stringify(change.quotas) : null,
        sourceVersion,
      ],
    );
  }
}
