import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, tenantIsolation } from './rls';

/**
 * What the retention pruner (src/platform/retention-pruner.ts, docs/retention.md) needs to find old
 * rows without reading whole tables: the inbox by processing time and the audit log by time (the audit
 * log's `from`/`to` filters use it too). `event_log_pruned` remembers, per tenant (`''` for events of
 * no tenant, `'*'` for all), the highest feed position pruned, so the feed can refuse a cursor that
 * fell behind the retention window instead of silently skipping the events it missed.
 */
export class PlatformRetention1764000011710 implements MigrationInterface {
  name = 'PlatformRetention1764000011710';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE INDEX inbox_processed_at ON platform.inbox (processed_at)`,
      `CREATE INDEX audit_log_occurred_at ON platform.audit_log (occurred_at)`,
      `CREATE TABLE platform.event_log_pruned (
        tenant_id text PRIMARY KEY,
        through bigint NOT NULL,
        pruned_at timestamptz NOT NULL DEFAULT now()
      )`,
      `GRANT SELECT ON platform.event_log_pruned TO ${APP_ROLE}`,
      ...tenantIsolation('platform.event_log_pruned'),
      // Pruning is platform work (the worker leader as rcp_system): it deletes what retention allows and
      // records how far each tenant's feed was pruned.
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform.event_log_pruned TO ${PLATFORM_ROLE}`,
      `GRANT DELETE ON platform.event_log, platform.inbox, platform.event_deliveries, platform.jobs TO ${PLATFORM_ROLE}`,
      // The audit log stays append-only for every runtime role: no DELETE privilege. Retention deletes
      // through this function, owned by the owner, which never removes an entry younger than 30 days
      // (RETENTION_AUDIT_DAYS may not be set lower), so an injected statement cannot erase recent history.
      `CREATE FUNCTION platform.prune_audit_entries(ids bigint[], older_than timestamptz) RETURNS integer
         LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, platform AS $$
           WITH del AS (
             DELETE FROM platform.audit_log
             WHERE id = ANY(ids) AND occurred_at < LEAST(older_than, now() - interval '30 days')
             RETURNING 1
           ) SELECT count(*)::integer FROM del
         $$`,
      `REVOKE ALL ON FUNCTION platform.prune_audit_entries(bigint[], timestamptz) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION platform.prune_audit_entries(bigint[], timestamptz) TO ${PLATFORM_ROLE}`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS platform.prune_audit_entries(bigint[], timestamptz)`);
    await q.query(`DROP TABLE IF EXISTS platform.event_log_pruned`);
    await q.query(`DROP INDEX IF EXISTS platform.audit_log_occurred_at`);
    await q.query(`DROP INDEX IF EXISTS platform.inbox_processed_at`);
  }
}
