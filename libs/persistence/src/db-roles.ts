import type { DataSource } from 'typeorm';

/**
 * The database roles the application runs as (created by the migrations; docs/security.md):
 * - {@link APP_DB_ROLE} and {@link PLATFORM_DB_ROLE} hold the privileges and are what the row-level
 *   security policies are written for (a tenant's rows, every row);
 * - {@link TENANT_LOGIN} (a NOINHERIT member of the app role only) and {@link SYSTEM_LOGIN} (a member of
 *   the platform role) are the logins the two pools connect as. Neither is a superuser, bypasses row-level
 *   security or may become the tables' owner, so no statement sent on a connection can widen its scope.
 */
export const APP_DB_ROLE = 'rcp_app';
export const PLATFORM_DB_ROLE = 'rcp_platform';
export const TENANT_LOGIN = 'rcp_tenant';
export const SYSTEM_LOGIN = 'rcp_system';

export interface DatabaseUrls {
  /** The owner: creates the database, migrates, creates the logins. Never used for requests or jobs. */
  owner: string;
  /** Tenant-scoped transactions: a tenant's requests and jobs. */
  tenant: string;
  /** Platform-scoped and system work: relay, deliveries (narrowed to a tenant for its handlers), platform jobs, idempotency keys, wake-ups. */
  system: string;
}

/** `ownerUrl` with another user and no password (local `trust` authentication needs none). */
function asLogin(ownerUrl: string, user: string): string {
  const u = new URL(ownerUrl);
  u.username = user;
  u.password = '';
  return u.toString();
}

/** The three URLs from the settings; an empty runtime URL is the owner's as the default login, without a password. */
export function databaseUrls(s: { DATABASE_URL: string; DATABASE_TENANT_URL: string; DATABASE_SYSTEM_URL: string }): DatabaseUrls {
  return {
    owner: s.DATABASE_URL,
    tenant: s.DATABASE_TENANT_URL || asLogin(s.DATABASE_URL, TENANT_LOGIN),
    system: s.DATABASE_SYSTEM_URL || asLogin(s.DATABASE_URL, SYSTEM_LOGIN),
  };
}

/** User and password of a URL, decoded. */
function credentialsOf(url: string): { user: string; password: string } {
  const u = new URL(url);
  return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/**
 * Sets the password of a runtime login to the one in its URL (run as the owner, after migrating), so a
 * deployment with password authentication configures each login in one place. Only the logins the
 * migrations create are touched, never another role.
 */
export async function setRuntimeLoginPasswords(owner: DataSource, urls: DatabaseUrls): Promise<void> {
  for (const [url, login] of [
    [urls.tenant, TENANT_LOGIN],
    [urls.system, SYSTEM_LOGIN],
  ] as const) {
    const { user, password } = credentialsOf(url);
    if (!password || user !== login) continue;
    const [{ sql }] = (await owner.query(`SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS sql`, [user, password])) as Array<{ sql: string }>;
    await owner.query(sql);
  }
}

interface LoginFacts {
  login: string;
  superuser: boolean;
  bypassrls: boolean;
  app: boolean;
  platform: boolean;
  owner: boolean;
}

/**
 * Refuses to run on a login that could lift row-level security: a superuser, a role with BYPASSRLS, one
 * that may become the tables' owner, or (for the tenant pool) one that may become the platform role.
 * Called once per pool at start, so a misconfigured URL stops the process with one clear line instead of
 * quietly serving every tenant's rows.
 */
export async function assertRuntimeLogin(ds: DataSource, kind: 'tenant' | 'system'): Promise<void> {
  let facts: LoginFacts;
  try {
    [facts] = (await ds.query(
      `SELECT r.rolname AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
              pg_has_role(current_user, $1::name, 'MEMBER') AS app,
              pg_has_role(current_user, $2::name, ${kind === 'tenant' ? `'MEMBER'` : `'USAGE'`}) AS platform,
              pg_has_role(current_user, c.relowner, 'MEMBER') AS owner
       FROM pg_roles r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE r.rolname = current_user AND n.nspname = 'platform' AND c.relname = 'outbox_events'`,
      [APP_DB_ROLE, PLATFORM_DB_ROLE],
    )) as LoginFacts[];
  } catch (err) {
    throw new Error(`Cannot check the ${kind} database login: ${(err as Error).message} (are the migrations applied?)`);
  }
  if (!facts) throw new Error(`Cannot check the ${kind} database login: platform.outbox_events is missing (are the migrations applied?)`);
  const setting = kind === 'tenant' ? 'DATABASE_TENANT_URL' : 'DATABASE_SYSTEM_URL';
  const problem = facts.superuser
    ? 'is a superuser'
    : facts.bypassrls
      ? 'bypasses row-level security'
      : facts.owner
        ? 'may act as the owner of the tables'
        : kind === 'tenant' && facts.platform
          ? `may become ${PLATFORM_DB_ROLE}`
          : kind === 'tenant' && !facts.app
            ? `is not a member of ${APP_DB_ROLE}`
            : kind === 'system' && !facts.platform
              ? `does not have the privileges of ${PLATFORM_DB_ROLE}`
              : undefined;
  if (problem) {
    const expected = kind === 'tenant' ? TENANT_LOGIN : SYSTEM_LOGIN;
    throw new Error(`The ${kind} database login ${facts.login} (${setting}) ${problem}: row-level security would not hold. Connect as ${expected} (docs/security.md).`);
  }
}
