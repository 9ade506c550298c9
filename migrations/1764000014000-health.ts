import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The health context: health check results with hysteresis per (environment, service, revision), scaling
 * policies with their stabilization history, scaling decisions, and its read models of environments,
 * tenants (quotas) and observed services. Every table is tenant-owned, under row-level security.
 */
export class Health1764000014000 implements MigrationInterface {
  name = 'Health1764000014000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA health`,
      ...grantSchema('health'),
      `CREATE TABLE health.check_results (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         revision text NOT NULL DEFAULT '',
         status text NOT NULL CHECK (status IN ('unknown', 'healthy', 'degraded', 'unhealthy')),
         since timestamptz NOT NULL,
         reason text NOT NULL,
         consecutive_failures integer NOT NULL,
         consecutive_passes integer NOT NULL,
         last_checks jsonb NOT NULL,
         last_report_at timestamptz,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         version integer NOT NULL,
         CONSTRAINT check_results_key UNIQUE (environment_id, service, revision)
       )`,
      `CREATE INDEX check_results_stale ON health.check_results (last_report_at) WHERE status <> 'unknown'`,
      `CREATE TABLE health.scaling_policies (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         policy jsonb NOT NULL,
         recommendations jsonb NOT NULL,
         pending_decision_id uuid,
         last_scaled_to integer,
         last_scaled_at timestamptz,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         version integer NOT NULL,
         CONSTRAINT scaling_policies_key UNIQUE (environment_id, service)
       )`,
      `CREATE TABLE health.scaling_decisions (
         id uuid PRIMARY KEY,
         policy_id uuid NOT NULL REFERENCES health.scaling_policies (id),
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         made_at timestamptz NOT NULL,
         current_replicas integer NOT NULL,
         recommended_replicas integer NOT NULL,
         desired_replicas integer NOT NULL,
         observed jsonb NOT NULL,
         health text NOT NULL,
         reasons text[] NOT NULL,
         capped_by text,
         state text NOT NULL CHECK (state IN ('pending', 'applied', 'failed', 'held')),
         operation_id uuid UNIQUE,
         failure_reason text,
         completed_at timestamptz
       )`,
      `CREATE INDEX scaling_decisions_list ON health.scaling_decisions (environment_id, made_at DESC, id DESC)`,
      `CREATE TABLE health.environments (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         state text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE health.tenants (
         tenant_id text PRIMARY KEY,
         state text NOT NULL,
         quotas jsonb NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE health.services (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         replicas integer NOT NULL,
         ready_replicas integer NOT NULL,
         observed_at timestamptz NOT NULL,
         removed boolean NOT NULL DEFAULT false,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service)
       )`,
      `GRANT SELECT, INSERT, UPDATE ON health.check_results, health.scaling_policies, health.scaling_decisions, health.environments, health.tenants, health.services TO ${APP_ROLE}`,
      `GRANT DELETE ON health.environments, health.tenants, health.services TO ${PLATFORM_ROLE}`,
      ...['check_results', 'scaling_policies', 'scaling_decisions', 'environments', 'tenants', 'services'].flatMap((t) => tenantIsolation(`health.${t}`)),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA health CASCADE`);
  }
}
