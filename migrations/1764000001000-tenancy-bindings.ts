import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, grantSchema, legacyTenantIsolation } from './rls';

/** Tenancy: tenant bindings and the usage read model built from inventory's events. */
export class TenancyBindings1764000001000 implements MigrationInterface {
  name = 'TenancyBindings1764000001000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA IF NOT EXISTS tenancy`,
      ...grantSchema('tenancy'),
      `CREATE TABLE tenancy.tenant_bindings (
        id text PRIMARY KEY,
        tenant_id text NOT NULL CHECK (tenant_id = id),
        display_name text NOT NULL,
        isolation_mode text NOT NULL CHECK (isolation_mode IN ('shared', 'pooled', 'siloed')),
        placement jsonb NOT NULL,
        quotas jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('active', 'suspended', 'offboarded')),
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        suspended_at timestamptz,
        offboarded_at timestamptz
      )`,
      `CREATE INDEX tenant_bindings_created ON tenancy.tenant_bindings (created_at, id)`,
      `GRANT SELECT, INSERT, UPDATE ON tenancy.tenant_bindings TO ${APP_ROLE}`,
      ...legacyTenantIsolation('tenancy.tenant_bindings'),
      `CREATE TABLE tenancy.environment_usage (
        environment_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        live boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX environment_usage_tenant ON tenancy.environment_usage (tenant_id) WHERE live`,
      `GRANT SELECT, INSERT, UPDATE ON tenancy.environment_usage TO ${APP_ROLE}`,
      ...legacyTenantIsolation('tenancy.environment_usage'),
      `CREATE TABLE tenancy.service_usage (
        environment_id text NOT NULL,
        service text NOT NULL,
        tenant_id text NOT NULL,
        replicas integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (environment_id, service)
      )`,
      `CREATE INDEX service_usage_tenant ON tenancy.service_usage (tenant_id)`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.service_usage TO ${APP_ROLE}`,
      ...legacyTenantIsolation('tenancy.service_usage'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS tenancy CASCADE`);
  }
}
