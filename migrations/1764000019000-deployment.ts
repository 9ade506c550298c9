import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The deployment context's aggregate: one row per deployment (a revision of a service in an
 * environment), with its release, plan, position in the plan and timeline. At most one unfinished
 * deployment per (environment, service), enforced by a partial unique index; and its read models of
 * inventory's, tenancy's, configuration's and health's events. Tenant-owned, under row-level security.
 */
export class Deployment1764000019000 implements MigrationInterface {
  name = 'Deployment1764000019000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA deployment`,
      ...grantSchema('deployment'),
      `CREATE TABLE deployment.deployments (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         revision integer NOT NULL CHECK (revision >= 1),
         state text NOT NULL CHECK (state IN ('pending', 'progressing', 'paused', 'verifying', 'succeeded', 'rolling_back', 'rolled_back', 'failed', 'aborted')),
         release jsonb NOT NULL,
         previous jsonb,
         replicas integer NOT NULL CHECK (replicas >= 1),
         strategy jsonb NOT NULL,
         health_gate jsonb NOT NULL,
         plan jsonb NOT NULL,
         current_step integer NOT NULL,
         step_started_at timestamptz,
         paused_until timestamptz,
         reason text NOT NULL CHECK (reason IN ('deploy', 'rollback', 'drift-remediation')),
         cause jsonb,
         operation jsonb,
         operation_id uuid GENERATED ALWAYS AS ((operation->>'id')::uuid) STORED,
         readings jsonb NOT NULL,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         timeline jsonb NOT NULL,
         version integer NOT NULL,
         CONSTRAINT deployments_revision_key UNIQUE (environment_id, service, revision)
       )`,
      `CREATE UNIQUE INDEX deployments_one_active ON deployment.deployments (environment_id, service)
         WHERE state IN ('pending', 'progressing', 'paused', 'verifying', 'rolling_back')`,
      `CREATE UNIQUE INDEX deployments_operation ON deployment.deployments (operation_id) WHERE operation_id IS NOT NULL`,
      `CREATE INDEX deployments_list ON deployment.deployments (tenant_id, created_at, id)`,
      `CREATE INDEX deployments_succeeded ON deployment.deployments (environment_id, service, revision DESC) WHERE state = 'succeeded'`,
      // Read models of the other contexts' events (the deployment context never reads their tables).
      `CREATE TABLE deployment.environments (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         state text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE deployment.tenants (
         tenant_id text PRIMARY KEY,
         state text NOT NULL,
         max_replicas_per_service integer NOT NULL,
         max_total_replicas integer NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE deployment.services (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         image text NOT NULL,
         replicas integer NOT NULL,
         removed boolean NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service)
       )`,
      `CREATE INDEX deployment_services_tenant ON deployment.services (tenant_id) WHERE NOT removed`,
      `CREATE TABLE deployment.config_versions (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         version integer NOT NULL,
         tenant_id text NOT NULL,
         checksum text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service, version)
       )`,
      `CREATE TABLE deployment.secret_bindings (
         binding_id uuid PRIMARY KEY,
         environment_id uuid NOT NULL,
         tenant_id text NOT NULL,
         name text NOT NULL,
         reference text,
         status text NOT NULL,
         reason text,
         removed boolean NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX deployment_secret_bindings_live ON deployment.secret_bindings (environment_id, name) WHERE NOT removed`,
      `CREATE TABLE deployment.service_health (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         revision text NOT NULL,
         tenant_id text NOT NULL,
         status text NOT NULL,
         since timestamptz NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service, revision)
       )`,
      `GRANT SELECT, INSERT, UPDATE ON deployment.deployments, deployment.environments, deployment.tenants, deployment.services, deployment.config_versions, deployment.secret_bindings, deployment.service_health TO ${APP_ROLE}`,
      `GRANT DELETE ON deployment.environments, deployment.tenants, deployment.services, deployment.config_versions, deployment.secret_bindings, deployment.service_health TO ${PLATFORM_ROLE}`,
      ...['deployments', 'environments', 'tenants', 'services', 'config_versions', 'secret_bindings', 'service_health'].flatMap((t) => tenantIsolation(`deployment.${t}`)),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA deployment CASCADE`);
  }
}
