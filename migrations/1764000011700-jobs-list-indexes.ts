import { MigrationInterface, QueryRunner } from 'typeorm';

const PLATFORM_ON = `(SELECT current_setting('rcp.platform', true) = 'on')`;
const TENANT_MATCH = `tenant_id = current_setting('rcp.tenant_id', true)`;

/**
 * `GET /v1/jobs` reads a page from an index instead of the whole table. Every listing is newest first
 * by `(created_at, id)` with a keyset cursor on the same pair, so each filter combination gets an index
 * ending in `(created_at, id)` (scanned backwards): all jobs (platform), by state (platform), one
 * tenant's, one tenant's by state, one tenant's projects'. The old tenant indexes lacked `id` (a sort
 * of every row of the tenant) and are replaced.
 *
 * The row-level security policy of `platform.jobs` keeps its meaning, but its platform test becomes a
 * sub-select that Postgres evaluates once per query (an InitPlan) instead of once per row. With the
 * test inline the planner guessed that 0.5 % of the rows pass the policy, so a platform listing by
 * state chose to read and sort every row of that state; the sub-select is estimated at 50 %, which
 * lets it read the index in order and stop after one page.
 */
export class JobsListIndexes1764000011700 implements MigrationInterface {
  name = 'JobsListIndexes1764000011700';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE INDEX jobs_list ON platform.jobs (created_at, id)`,
      `CREATE INDEX jobs_state_list ON platform.jobs (state, created_at, id)`,
      `CREATE INDEX jobs_tenant_list ON platform.jobs (tenant_id, created_at, id)`,
      `CREATE INDEX jobs_tenant_state_list ON platform.jobs (tenant_id, state, created_at, id)`,
      `CREATE INDEX jobs_tenant_project_list ON platform.jobs (tenant_id, project_id, created_at, id) WHERE project_id IS NOT NULL`,
      `DROP INDEX platform.jobs_tenant_created`,
      `DROP INDEX platform.jobs_tenant_project_created`,
      `ALTER POLICY platform_jobs_tenant_isolation ON platform.jobs
         USING (${PLATFORM_ON} OR ${TENANT_MATCH}) WITH CHECK (${PLATFORM_ON} OR ${TENANT_MATCH})`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    const inline = `(current_setting('rcp.platform', true) = 'on' OR ${TENANT_MATCH})`;
    const sql = [
      `ALTER POLICY platform_jobs_tenant_isolation ON platform.jobs USING ${inline} WITH CHECK ${inline}`,
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
