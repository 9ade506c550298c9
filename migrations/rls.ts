/**
 * SQL helpers shared by every context's migrations: the database roles the application runs as and the
 * row-level security policies that back up the application's tenant filter. docs/security.md explains
 * the roles; `test/integration/platform/row-level-security.int-spec.ts` checks every table against them.
 *
 * Two NOLOGIN policy roles own the privileges:
 * - `rcp_app`: one tenant's work. Policies `TO rcp_app` show it the rows whose `tenant_id` is the
 *   transaction's `rcp.tenant_id`, nothing else.
 * - `rcp_platform`: platform tokens and system work (relay, deliveries, jobs). It inherits `rcp_app`'s
 *   table privileges and policies `TO rcp_platform` show it every row.
 * Two LOGIN roles connect, neither a superuser nor able to bypass row-level security:
 * - `rcp_tenant`: NOINHERIT member of `rcp_app` only; a transaction switches to `rcp_app` with
 *   `SET LOCAL ROLE`, and leaving it (`RESET ROLE`) leaves a role that may read no table at all.
 * - `rcp_system`: member of `rcp_platform`.
 * Being platform is therefore a question of which login the connection has, not of a setting that the
 * connection could change itself.
 */
import { APP_DB_ROLE, PLATFORM_DB_ROLE, SYSTEM_LOGIN, TENANT_LOGIN } from '../libs/persistence/src/db-roles';

export const APP_ROLE = APP_DB_ROLE;
export const PLATFORM_ROLE = PLATFORM_DB_ROLE;
export { SYSTEM_LOGIN, TENANT_LOGIN };

/** The application role: owns nothing, cannot bypass RLS; the connecting user may switch to it. */
export const CREATE_APP_ROLE = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END $$;
DO $$
BEGIN
  EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL;
END $$;`;

/** Creates `name` with `attributes` unless it exists (roles are cluster-wide: other databases may have made it). */
function createRoleOnce(name: string, attributes: string): string {
  return `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
    BEGIN
      CREATE ROLE ${name} ${attributes};
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END $$;`;
}

/** Grants membership of `role` to `member` unless it holds it (tolerating a concurrent grant of the same). */
function grantRoleOnce(role: string, member: string): string {
  return `
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
    WHERE r.rolname = '${role}' AND u.rolname = '${member}'
  ) THEN
    BEGIN
      GRANT ${role} TO ${member};
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END $$;`;
}

const UNPRIVILEGED = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * The policy roles and the runtime logins (created once per cluster, never altered once they exist).
 * Local `trust` authentication needs no password; elsewhere the owner sets one when it migrates
 * (`DATABASE_TENANT_URL` / `DATABASE_SYSTEM_URL`).
 */
export const CREATE_RUNTIME_ROLES = [
  CREATE_APP_ROLE,
  createRoleOnce(PLATFORM_ROLE, `NOLOGIN INHERIT ${UNPRIVILEGED}`),
  grantRoleOnce(APP_ROLE, PLATFORM_ROLE),
  createRoleOnce(TENANT_LOGIN, `LOGIN NOINHERIT ${UNPRIVILEGED}`),
  grantRoleOnce(APP_ROLE, TENANT_LOGIN),
  createRoleOnce(SYSTEM_LOGIN, `LOGIN INHERIT ${UNPRIVILEGED}`),
  grantRoleOnce(PLATFORM_ROLE, SYSTEM_LOGIN),
].join('\n');

/** The transaction's tenant, as the tenant policies compare it. */
export const CURRENT_TENANT = `current_setting('rcp.tenant_id', true)`;

/**
 * Row-level security for a tenant-owned table (a `tenant_id` column): `rcp_app` sees and writes its own
 * tenant's rows, `rcp_platform` every row. Table privileges are granted separately (to `rcp_app`; the
 * platform role inherits them).
 */
export function tenantIsolation(table: string): string[] {
  const name = table.replace('.', '_');
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY ${name}_tenant ON ${table} TO ${APP_ROLE} USING (tenant_id = ${CURRENT_TENANT}) WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
    ...platformOnly(table),
  ];
}

/** Row-level security for a table only platform and system work may touch (any privilege `rcp_app` has there shows it nothing). */
export function platformOnly(table: string): string[] {
  const name = table.replace('.', '_');
  return [`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`, `CREATE POLICY ${name}_platform ON ${table} TO ${PLATFORM_ROLE} USING (true) WITH CHECK (true)`];
}

export function grantSchema(schema: string): string[] {
  return [`GRANT USAGE ON SCHEMA ${schema} TO ${APP_ROLE}`];
}

/**
 * The first migrations' policy, kept verbatim so that they still create what they created: a tenant's
 * rows, or every row when `rcp.platform = on`. That setting can be changed by whoever holds the
 * connection, so migration 1764000002500 replaces every such policy; new migrations use
 * {@link tenantIsolation}.
 * @deprecated
 */
export const LEGACY_TENANT_PREDICATE = `(current_setting('rcp.platform', true) = 'on' OR tenant_id = current_setting('rcp.tenant_id', true))`;

/** @deprecated see {@link LEGACY_TENANT_PREDICATE} */
export function legacyTenantIsolation(table: string): string[] {
  const name = table.replace('.', '_') + '_tenant_isolation';
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY ${name} ON ${table} USING ${LEGACY_TENANT_PREDICATE} WITH CHECK ${LEGACY_TENANT_PREDICATE}`,
  ];
}
