import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The configuration context: versioned runtime configuration per (environment, service), secret
 * bindings per environment (references, or inline values sealed under a master key), and its read model
 * of inventory's environments. Every table is tenant-owned, under row-level security.
 */
export class Configuration1764000013000 implements MigrationInterface {
  name = 'Configuration1764000013000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA configuration`,
      ...grantSchema('configuration'),
      `CREATE TABLE configuration.runtime_configurations (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         latest_version integer NOT NULL,
         latest_checksum text NOT NULL,
         version integer NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         CONSTRAINT runtime_configurations_service_key UNIQUE (environment_id, service)
       )`,
      `CREATE TABLE configuration.config_versions (
         configuration_id uuid NOT NULL REFERENCES configuration.runtime_configurations (id),
         number integer NOT NULL CHECK (number >= 1),
         tenant_id text NOT NULL,
         checksum text NOT NULL,
         entries jsonb NOT NULL,
         secret_refs text[] NOT NULL,
         author text NOT NULL,
         created_at timestamptz NOT NULL,
         PRIMARY KEY (configuration_id, number)
       )`,
      `CREATE TABLE configuration.secret_bindings (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         name text NOT NULL,
         provider text NOT NULL CHECK (provider IN ('azure-key-vault', 'hashicorp-vault', 'inline')),
         reference text,
         identity text,
         status text NOT NULL CHECK (status IN ('resolvable', 'unresolvable')),
         reason text,
         checked_at timestamptz NOT NULL,
         sealed_key_id text,
         sealed_envelope text,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         removed_at timestamptz,
         version integer NOT NULL,
         CHECK ((sealed_key_id IS NULL) = (sealed_envelope IS NULL))
       )`,
      `CREATE UNIQUE INDEX secret_bindings_live_name ON configuration.secret_bindings (environment_id, name) WHERE removed_at IS NULL`,
      `CREATE INDEX secret_bindings_sealed_key ON configuration.secret_bindings (sealed_key_id) WHERE sealed_key_id IS NOT NULL`,
      `CREATE TABLE configuration.environments (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         state text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `GRANT SELECT, INSERT, UPDATE ON configuration.runtime_configurations, configuration.config_versions, configuration.secret_bindings, configuration.environments TO ${APP_ROLE}`,
      `GRANT DELETE ON configuration.environments TO ${PLATFORM_ROLE}`,
      ...tenantIsolation('configuration.runtime_configurations'),
      ...tenantIsolation('configuration.config_versions'),
      ...tenantIsolation('configuration.secret_bindings'),
      ...tenantIsolation('configuration.environments'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA configuration CASCADE`);
  }
}
