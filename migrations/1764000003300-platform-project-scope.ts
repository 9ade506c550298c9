import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Project scope for the job ledger and the audit log: a token limited to `project_ids` reads only the
 * jobs and audit entries of those projects, so both record the project they concern (null for
 * tenant-level and platform work, which such a token does not see). Rows written before this migration
 * are given the project of the environment they target, where there is one.
 */
export class PlatformProjectScope1764000003300 implements MigrationInterface {
  name = 'PlatformProjectScope1764000003300';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `ALTER TABLE platform.jobs ADD COLUMN project_id text`,
      `ALTER TABLE platform.audit_log ADD COLUMN project_id text`,
      `CREATE INDEX jobs_tenant_project_created ON platform.jobs (tenant_id, project_id, created_at DESC) WHERE project_id IS NOT NULL`,
      `CREATE INDEX audit_log_tenant_project ON platform.audit_log (tenant_id, project_id, id DESC) WHERE project_id IS NOT NULL`,
      // One-off backfill from inventory's table (it exists: inventory's migration runs before this one).
      `UPDATE platform.jobs j SET project_id = e.project_id FROM inventory.environments e
       WHERE j.target_type = 'environment' AND j.target_id = e.id::text AND j.tenant_id = e.tenant_id`,
      `UPDATE platform.audit_log a SET project_id = e.project_id FROM inventory.environments e
       WHERE a.target_type = 'environment' AND a.target_id = e.id::text AND a.tenant_id = e.tenant_id`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.audit_log DROP COLUMN IF EXISTS project_id`);
    await q.query(`ALTER TABLE platform.jobs DROP COLUMN IF EXISTS project_id`);
  }
}
