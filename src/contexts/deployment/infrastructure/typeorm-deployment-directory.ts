import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import {
  DeploymentConfigVersionRow,
  DeploymentDirectory,
  DeploymentEnvironmentRow,
  DeploymentSecretBindingRow,
  DeploymentServiceHealthRow,
  DeploymentServiceRow,
  DeploymentTenantRow,
} from '../application/read-models/deployment-read-models';

/** Reads the deployment context's read models (`deployment.*`), in the caller's transaction and tenant. */
@Injectable()
export class TypeOrmDeploymentDirectory extends DeploymentDirectory {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  private async one<T>(sql: string, params: unknown[]): Promise<T | null> {
    const rows: T[] = await this.tx.manager().query(sql, params);
    return rows[0] ?? null;
  }

  environment(environmentId: string) {
    return this.one<DeploymentEnvironmentRow>(`SELECT environment_id AS "environmentId", tenant_id AS "tenantId", project_id AS "projectId", state FROM deployment.environments WHERE environment_id = $1`, [environmentId]);
  }

  tenant(tenantId: string) {
    return this.one<DeploymentTenantRow>(
      `SELECT tenant_id AS "tenantId", state, max_replicas_per_service AS "maxReplicasPerService", max_total_replicas AS "maxTotalReplicas" FROM deployment.tenants WHERE tenant_id = $1`,
      [tenantId],
    );
  }

  service(environmentId: string, service: string) {
    return this.one<DeploymentServiceRow>(
      `SELECT environment_id AS "environmentId", service, tenant_id AS "tenantId", image, replicas, removed FROM deployment.services WHERE environment_id = $1 AND service = $2 AND NOT removed`,
      [environmentId, service],
    );
  }

  async tenantReplicas(tenantId: string): Promise<number> {
    const row = await this.one<{ n: number }>(`SELECT coalesce(sum(replicas), 0)::int AS n FROM deployment.services WHERE tenant_id = $1 AND NOT removed`, [tenantId]);
    return row?.n ?? 0;
  }

  configVersion(environmentId: string, service: string, version: number) {
    return this.one<DeploymentConfigVersionRow>(
      `SELECT environment_id AS "environmentId", service, version, tenant_id AS "tenantId", checksum FROM deployment.config_versions WHERE environment_id = $1 AND service = $2 AND version = $3`,
      [environmentId, service, version],
    );
  }

  latestConfigVersion(environmentId: string, service: string, checksum?: string | null) {
    return this.one<DeploymentConfigVersionRow>(
      `SELECT environment_id AS "environmentId", service, version, tenant_id AS "tenantId", checksum FROM deployment.config_versions
       WHERE environment_id = $1 AND service = $2 AND ($3::text IS NULL OR checksum = $3) ORDER BY version DESC LIMIT 1`,
      [environmentId, service, checksum ?? null],
    );
  }

  bindings(environmentId: string): Promise<DeploymentSecretBindingRow[]> {
    return this.tx
      .manager()
      .query(
        `SELECT binding_id AS "bindingId", environment_id AS "environmentId", tenant_id AS "tenantId", name, reference, status, reason, removed FROM deployment.secret_bindings WHERE environment_id = $1 AND NOT removed ORDER BY name`,
        [environmentId],
      );
  }

  async health(environmentId: string, service: string, revision: string) {
    const rows: Array<DeploymentServiceHealthRow & { since: Date | string }> = await this.tx
      .manager()
      .query(`SELECT environment_id AS "environmentId", service, revision, tenant_id AS "tenantId", status, since FROM deployment.service_health WHERE environment_id = $1 AND service = $2`, [environmentId, service]);
    const row = rows.find((r) => r.revision === revision) ?? null;
    return { row: row ? { ...row, since: new Date(row.since).toISOString() } : null, serviceKnown: rows.length > 0 };
  }
}
