import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, grantSchema, legacyTenantIsolation } from './rls';

/**
 * Inventory: runtime environments, the live service inventory of each, the local read model of
 * tenants built from tenancy's events, and the executor callbacks already seen (replay protection).
 */
export class InventoryEnvironments1764000002000 implements MigrationInterface {
  name = 'InventoryEnvironments1764000002000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA IF NOT EXISTS inventory`,
      ...grantSchema('inventory'),
      `CREATE TABLE inventory.environments (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('development', 'staging', 'production')),
        region text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        placement jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('requested', 'provisioning', 'ready', 'failed', 'decommissioning', 'decommissioned')),
        failure_reason text,
        round integer NOT NULL CHECK (round >= 1),
        attempts integer NOT NULL CHECK (attempts >= 0),
        operation_id uuid,
        operation_kind text CHECK (operation_kind IN ('provision', 'decommission')),
        operation_attempt integer,
        operation_started_at timestamptz,
        last_error text,
        provisioning_started_at timestamptz,
        decommission_reason text,
        decommission_pending boolean NOT NULL DEFAULT false,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        ready_at timestamptz,
        decommissioned_at timestamptz,
        CHECK ((operation_id IS NULL) = (operation_kind IS NULL))
      )`,
      // A name is unique per tenant and project among environments that still exist.
      `CREATE UNIQUE INDEX environments_live_name ON inventory.environments (tenant_id, project_id, name) WHERE state <> 'decommissioned'`,
      `CREATE UNIQUE INDEX environments_operation ON inventory.environments (operation_id) WHERE operation_id IS NOT NULL`,
      `CREATE INDEX environments_tenant_created ON inventory.environments (tenant_id, created_at, id)`,
      `CREATE INDEX environments_created ON inventory.environments (created_at, id)`,
      `GRANT SELECT, INSERT, UPDATE ON inventory.environments TO ${APP_ROLE}`,
      ...legacyTenantIsolation('inventory.environments'),

      `CREATE TABLE inventory.service_inventories (
        environment_id uuid PRIMARY KEY REFERENCES inventory.environments (id),
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        last_observed_at timestamptz,
        version integer NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `GRANT SELECT, INSERT, UPDATE ON inventory.service_inventories TO ${APP_ROLE}`,
      ...legacyTenantIsolation('inventory.service_inventories'),

      `CREATE TABLE inventory.runtime_services (
        environment_id uuid NOT NULL REFERENCES inventory.service_inventories (environment_id),
        name text NOT NULL,
        tenant_id text NOT NULL,
        image text NOT NULL,
        replicas integer NOT NULL CHECK (replicas >= 0),
        ready_replicas integer NOT NULL CHECK (ready_replicas >= 0),
        config_checksum text,
        over_quota boolean NOT NULL DEFAULT false,
        removed boolean NOT NULL DEFAULT false,
        first_observed_at timestamptz NOT NULL,
        last_observed_at timestamptz NOT NULL,
        last_changed_at timestamptz NOT NULL,
        removed_at timestamptz,
        PRIMARY KEY (environment_id, name)
      )`,
      `CREATE INDEX runtime_services_tenant ON inventory.runtime_services (tenant_id)`,
      `GRANT SELECT, INSERT, UPDATE ON inventory.runtime_services TO ${APP_ROLE}`,
      ...legacyTenantIsolation('inventory.runtime_services'),

      `CREATE TABLE inventory.tenants (
        tenant_id text PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('active', 'suspended', 'offboarded')),
        isolation_mode text NOT NULL,
        placement jsonb NOT NULL,
        quotas jsonb NOT NULL,
        source_version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `GRANT SELECT, INSERT, UPDATE ON inventory.tenants TO ${APP_ROLE}`,
      ...legacyTenantIsolation('inventory.tenants'),

      `CREATE TABLE inventory.executor_callbacks (
        callback_id text PRIMARY KEY,
        operation_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        tenant_id text NOT NULL,
        status text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX executor_callbacks_received ON inventory.executor_callbacks (received_at)`,
      `GRANT SELECT, INSERT ON inventory.executor_callbacks TO ${APP_ROLE}`,
      ...legacyTenantIsolation('inventory.executor_callbacks'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS inventory CASCADE`);
  }
}
