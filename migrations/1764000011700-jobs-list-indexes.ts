import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /v1/jobs` reads a page from an index instead of the whole table. Every listing is newest first
 * by `(created_at, id)` with a keyset cursor on the same pair, so each filter combination gets an index
 * ending in `(created_at, id)` (scanned backwards): all jobs (platform), by state (platform), one
 * tenant's, one tenant's by state, one tenant's projects'. The old tenant indexes lacked `id` (a sort
 * of every row of the tenant) and are replaced.
 * Tenants are listed the jobs they were given, never their internal steps (`parent_id`), so the
 * tenant indexes hold only those.
 *
 * Row-level security needs nothing here: since the runtime roles migration, platform work runs as
 * `rcp_platform` (policy `USING (true)`) and tenant work as `rcp_app` (`tenant_id = <its tenant>`),
 * neither of which hides an index order from the planner.
 */
export class JobsListIndexes1764000011700 implements MigrationInterface {
  name = 'JobsListIndexes1764000011700';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE INDEX jobs_list ON platform.jobs (created_at, id)`,
      `CREATE INDEX jobs_state_list ON platform.jobs (state, created_at, id)`,
      `CREATE INDEX jobs_tenant_list ON platform.jobs (tenant_id, created_at, id) WHERE parent_id IS NULL`,
      `CREATE INDEX jobs_tenant_state_list ON platform.jobs (tenant_id, state, created_at, id) WHERE parent_id IS NULL`,
      `CREATE INDEX jobs_tenant_project_list ON platform.jobs (tenant_id, project_id, created_at, id) WHERE project_id IS NOT NULL AND parent_id IS NULL`,
      `DROP INDEX platform.jobs_tenant_created`,
      `DROP INDEX platform.jobs_tenant_project_created`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE INDEX jobs_tenant_created ON platform.jobs (tenant_id, created_at DESC)`,
      `CREATE INDEX jobs_tenant_project_created ON platform.jobs (tenant_id, project_id, created_at DESC) WHERE project_id IS NOT NULL`,
      `DROP INDEX platform.jobs_tenant_project_list`,
      `DROP INDEX platform.jobs_tenant_state_list`,
      `DROP INDEX platform.jobs_tenant_list`,
      `DROP INDEX platform.jobs_state_list`,
      `DROP INDEX platform.jobs_list`,
    ];
    for (const s of sql) await q.query(s);
  }
}
