import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { HealthDirectory, HealthEnvironmentRow, TenantQuotas } from '../application/read-models/health-read-models';

/** Reads health's read models (`health.environments`, `health.tenants`, `health.services`). */
@Injectable()
export class TypeOrmHealthDirectory extends HealthDirectory {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async environment(environmentId: string): Promise<HealthEnvironmentRow | null> {
    const [r] = await this.tx.manager().query(`SELECT environment_id, tenant_id, project_id, state FROM health.environments WHERE environment_id = $1`, [environmentId]);
    return r ? { environmentId: r.environment_id, tenantId: r.tenant_id, projectId: r.project_id, state: r.state } : null;
  }

  async quotas(tenantId: string): Promise<TenantQuotas | null> {
    const [r] = await this.tx.manager().query(`SELECT quotas FROM health.tenants WHERE tenant_id = $1`, [tenantId]);
    return r ? r.quotas : null;
  }

  async service(environmentId: string, service: string): Promise<{ replicas: number; observedAt: Date } | null> {
    const [r] = await this.tx.manager().query(`SELECT replicas, observed_at FROM health.services WHERE environment_id = $1 AND service = $2 AND NOT removed`, [environmentId, service]);
    return r ? { replicas: r.replicas, observedAt: r.observed_at } : null;
  }

  async deploying(environmentId: string, service: string): Promise<boolean> {
    const rows = await this.tx.manager().query(`SELECT 1 FROM health.rollouts WHERE environment_id = $1 AND service = $2 AND active LIMIT 1`, [environmentId, service]);
    return rows.length > 0;
  }

  async otherReplicas(tenantId: string, environmentId: string, service: string): Promise<number> {
    const [r] = await this.tx.manager().query(
      `SELECT coalesce(sum(s.replicas), 0)::int AS n FROM health.services s JOIN health.environments e ON e.environment_id = s.environment_id
       WHERE s.tenant_id = $1 AND NOT s.removed AND e.state <> 'decommissioned' AND NOT (s.environment_id = $2 AND s.service = $3)`,
      [tenantId, environmentId, service],
    );
    return r.n;
  }

  async ready(limit: number, afterId = ''): Promise<HealthEnvironmentRow[]> {
    const rows = await this.tx.manager().query(
      `SELECT environment_id, tenant_id, project_id, state FROM health.environments WHERE state = 'ready' AND environment_id::text > $1 ORDER BY environment_id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r: { environment_id: string; tenant_id: string; project_id: string; state: HealthEnvironmentRow['state'] }) => ({ environmentId: r.environment_id, tenantId: r.tenant_id, projectId: r.project_id, state: r.state }));
  }
}
