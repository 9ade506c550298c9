import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The deployment context's aggregate: one row per deployment (a revision of a service in an
 * environment), with its release, plan, position in the plan and timeline. At most one unfinished
 * deployment per (environment, service), enforced by a partial unique index. Tenant-owned, under
 * row-level security.
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
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         timeline jsonb NOT NULL,
         version integer NOT NULL,
         CONSTRAINT deployments_revision_key UNIQUE (environment_id, service, revision)
       )`,
      `CREATE UNIQUE INDEX deployments_one_active ON deployment.deployments (environment_id, service)
         WHERE state IN ('pending', 'progressing', 'paused', 'verifying', 'rolling_back')`,
      `CREATE INDEX deployments_list ON deployment.deployments (tenant_id, created_at, id)`,
      `CREATE INDEX deployments_succeeded ON deployment.deployments (environment_id, service, revision DESC) WHERE state = 'succeeded'`,
      `GRANT SELECT, INSERT, UPDATE ON deployment.deployments TO ${APP_ROLE}`,
      ...tenantIsolation('deployment.deployments'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA deployment CASCADE`);
  }
}
