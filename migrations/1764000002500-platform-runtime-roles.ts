import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  APP_ROLE,
  CREATE_RUNTIME_ROLES,
  CURRENT_TENANT,
  LEGACY_TENANT_PREDICATE,
  PLATFORM_ROLE,
  legacyTenantIsolation,
  platformOnly,
  tenantIsolation,
} from './rls';

/** The tenant-owned tables the first migrations protected with the `rcp.platform` policy. */
const TENANT_TABLES = [
  'platform.event_log',
  'platform.jobs',
  'tenancy.tenant_bindings',
  'tenancy.environment_usage',
  'tenancy.service_usage',
  'inventory.environments',
  'inventory.service_inventories',
  'inventory.runtime_services',
  'inventory.tenants',
  'inventory.executor_callbacks',
];

/** Tables of the event and request machinery that only platform and system work use. */
const PLATFORM_TABLES: Array<[table: string, privileges: string, revokeFromApp: boolean]> = [
  ['platform.event_deliveries', 'SELECT, INSERT, UPDATE, DELETE', true],
  ['platform.inbox', 'SELECT, INSERT', true],
  ['platform.idempotency_keys', 'SELECT, INSERT, UPDATE, DELETE', true],
  ['platform.relay_state', 'SELECT, UPDATE', false],
];

/**
 * What a tenant's transaction may append to the outbox: events of its own tenant, consistent with their
 * envelope (the relay routes by the columns, handlers read the envelope), and never an event of the
 * tenancy context, which decides tenants' lifecycle, quotas and placement and is written by platform
 * operators only.
 */
const TENANT_OUTBOX_CHECK = `(
  tenant_id = ${CURRENT_TENANT}
  AND envelope->>'tenantid' = tenant_id
  AND envelope->>'type' = type
  AND COALESCE(envelope->'data'->>'tenantId', tenant_id) = tenant_id
  AND type NOT LIKE 'rcp.tenancy.%'
)`;

/**
 * Row-level security that the connection cannot switch off. The application connects as two logins
 * that are not superusers (`rcp_tenant`, member of `rcp_app` only; `rcp_system`, member of
 * `rcp_platform`), and every policy names the role it is for, so `rcp.platform = on` no longer grants
 * anything and `RESET ROLE` leaves a tenant's connection with no table privileges. The outbox, inbox,
 * deliveries, idempotency keys and relay state get policies too: a tenant's transaction may append
 * only its own tenant's events and may not touch the rest at all.
 */
export class PlatformRuntimeRoles1764000002500 implements MigrationInterface {
  name = 'PlatformRuntimeRoles1764000002500';

  async up(q: QueryRunner): Promise<void> {
    const sql = [CREATE_RUNTIME_ROLES];
    for (const table of TENANT_TABLES) {
      sql.push(`DROP POLICY IF EXISTS ${table.replace('.', '_')}_tenant_isolation ON ${table}`, ...tenantIsolation(table));
    }
    sql.push(
      `DROP POLICY IF EXISTS audit_log_read ON platform.audit_log`,
      `DROP POLICY IF EXISTS audit_log_append ON platform.audit_log`,
      `CREATE POLICY audit_log_tenant_read ON platform.audit_log FOR SELECT TO ${APP_ROLE} USING (tenant_id = ${CURRENT_TENANT})`,
      `CREATE POLICY audit_log_tenant_append ON platform.audit_log FOR INSERT TO ${APP_ROLE} WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
      ...platformOnly('platform.audit_log'),

      ...platformOnly('platform.outbox_events'),
      `CREATE POLICY outbox_events_tenant_append ON platform.outbox_events FOR INSERT TO ${APP_ROLE} WITH CHECK ${TENANT_OUTBOX_CHECK}`,
      // The relay claims with SELECT … FOR UPDATE SKIP LOCKED, which needs UPDATE.
      `GRANT SELECT, UPDATE, DELETE ON platform.outbox_events TO ${PLATFORM_ROLE}`,
      `GRANT INSERT ON platform.event_log TO ${PLATFORM_ROLE}`,
      `GRANT USAGE ON SEQUENCE platform.event_deliveries_id_seq TO ${PLATFORM_ROLE}`,
      // Readiness compares the applied migrations with the build's.
      `DO $$ BEGIN IF to_regclass('migrations') IS NOT NULL THEN GRANT SELECT ON migrations TO ${PLATFORM_ROLE}; END IF; END $$`,
    );
    for (const [table, privileges, revoke] of PLATFORM_TABLES) {
      if (revoke) sql.push(`REVOKE ALL ON ${table} FROM ${APP_ROLE}`);
      sql.push(`GRANT ${privileges} ON ${table} TO ${PLATFORM_ROLE}`, ...platformOnly(table));
    }
    for (const s of sql) await q.query(s);
  }

  /** Back to the first migrations' policies and grants (the roles stay: other databases may use them). */
  async down(q: QueryRunner): Promise<void> {
    const sql: string[] = [];
    for (const [table, , revoke] of PLATFORM_TABLES) {
      sql.push(`DROP POLICY IF EXISTS ${table.replace('.', '_')}_platform ON ${table}`, `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`, `REVOKE ALL ON ${table} FROM ${PLATFORM_ROLE}`);
      if (revoke) sql.push(`GRANT SELECT, INSERT${table === 'platform.inbox' ? '' : ', UPDATE, DELETE'} ON ${table} TO ${APP_ROLE}`);
    }
    sql.push(
      `DROP POLICY IF EXISTS outbox_events_tenant_append ON platform.outbox_events`,
      `DROP POLICY IF EXISTS platform_outbox_events_platform ON platform.outbox_events`,
      `ALTER TABLE platform.outbox_events DISABLE ROW LEVEL SECURITY`,
      `REVOKE SELECT, UPDATE, DELETE ON platform.outbox_events FROM ${PLATFORM_ROLE}`,
      `REVOKE INSERT ON platform.event_log FROM ${PLATFORM_ROLE}`,
      `REVOKE USAGE ON SEQUENCE platform.event_deliveries_id_seq FROM ${PLATFORM_ROLE}`,
      `DROP POLICY IF EXISTS audit_log_tenant_read ON platform.audit_log`,
      `DROP POLICY IF EXISTS audit_log_tenant_append ON platform.audit_log`,
      `DROP POLICY IF EXISTS platform_audit_log_platform ON platform.audit_log`,
      `CREATE POLICY audit_log_read ON platform.audit_log FOR SELECT USING ${LEGACY_TENANT_PREDICATE}`,
      `CREATE POLICY audit_log_append ON platform.audit_log FOR INSERT WITH CHECK (true)`,
    );
    for (const table of TENANT_TABLES) {
      const name = table.replace('.', '_');
      sql.push(`DROP POLICY IF EXISTS ${name}_tenant ON ${table}`, `DROP POLICY IF EXISTS ${name}_platform ON ${table}`, ...legacyTenantIsolation(table).slice(1));
    }
    for (const s of sql) await q.query(s);
  }
}
