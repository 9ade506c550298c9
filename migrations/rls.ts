/**
 * SQL helpers shared by every context's migrations: the unprivileged application role and the
 * row-level security policy that backs up the application's tenant filter.
 */
export const APP_ROLE = 'rcp_app';

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

/** A tenant sees its own rows; platform tokens and system work (`rcp.platform = on`) see all. */
export const TENANT_PREDICATE = `(current_setting('rcp.platform', true) = 'on' OR tenant_id = current_setting('rcp.tenant_id', true))`;

/** Enables RLS on a tenant-owned table with one policy for every command. */
export function tenantIsolation(table: string): string[] {
  const name = table.replace('.', '_') + '_tenant_isolation';
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY ${name} ON ${table} USING ${TENANT_PREDICATE} WITH CHECK ${TENANT_PREDICATE}`,
  ];
}

export function grantSchema(schema: string): string[] {
  return [`GRANT USAGE ON SCHEMA ${schema} TO ${APP_ROLE}`];
}
