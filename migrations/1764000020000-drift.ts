import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The drift context: its aggregates (an environment's drift record with the newest desired state and
 * the remediation policy; findings, at most one unresolved per fingerprint), the desired-state history
 * (insert only), the reconciliation schedule, and its read models of inventory's, health's and
 * deployment's events. Tenant-owned, under row-level security.
 */
export class Drift1764000020000 implements MigrationInterface {
  name = 'Drift1764000020000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA drift`,
      ...grantSchema('drift'),
      `CREATE TABLE drift.environment_drift (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         policy jsonb NOT NULL,
         policy_version integer NOT NULL,
         desired jsonb,
         last_reconciliation jsonb,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         version integer NOT NULL
       )`,
      `CREATE TABLE drift.desired_states (
         id uuid PRIMARY KEY,
         environment_id uuid NOT NULL,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         repository text NOT NULL,
         revision text NOT NULL,
         path text NOT NULL,
         services jsonb NOT NULL,
         observed_at timestamptz NOT NULL,
         recorded_at timestamptz NOT NULL,
         recorded_by text NOT NULL,
         digest text NOT NULL
       )`,
      `CREATE INDEX desired_states_history ON drift.desired_states (environment_id, recorded_at DESC, id DESC)`,
      `CREATE TABLE drift.findings (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         kind text NOT NULL CHECK (kind IN ('missing-service', 'unexpected-service', 'image-mismatch', 'replica-mismatch', 'config-mismatch', 'persistently-unhealthy')),
         fingerprint text NOT NULL,
         state text NOT NULL CHECK (state IN ('open', 'remediating', 'quarantined', 'suppressed', 'resolved')),
         desired jsonb,
         actual jsonb,
         desired_revision text NOT NULL,
         evidence jsonb NOT NULL,
         first_seen_at timestamptz NOT NULL,
         last_seen_at timestamptz NOT NULL,
         occurrences integer NOT NULL CHECK (occurrences >= 1),
         reason text,
         attempts jsonb NOT NULL,
         earlier_attempts jsonb NOT NULL,
         suppression jsonb,
         quarantine jsonb,
         resolution jsonb,
         deployment_id uuid,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         version integer NOT NULL
       )`,
      `CREATE UNIQUE INDEX findings_one_unresolved ON drift.findings (environment_id, fingerprint) WHERE state <> 'resolved'`,
      `CREATE INDEX findings_resolved ON drift.findings (environment_id, fingerprint, updated_at DESC) WHERE state = 'resolved'`,
      `CREATE INDEX findings_deployment ON drift.findings (deployment_id) WHERE deployment_id IS NOT NULL`,
      `CREATE INDEX findings_list ON drift.findings (tenant_id, created_at, id)`,
      `CREATE TABLE drift.schedule (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         interval_seconds integer,
         next_at timestamptz NOT NULL,
         change_requested_at timestamptz,
         claimed_until timestamptz,
         last_reconciled_at timestamptz,
         last_error text
       )`,
      `CREATE INDEX schedule_due ON drift.schedule (next_at)`,
      // Read models of the other contexts' events (drift never reads their tables).
      `CREATE TABLE drift.environments (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         state text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE drift.services (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         image text NOT NULL,
         replicas integer NOT NULL,
         ready_replicas integer NOT NULL,
         config_checksum text,
         observed_at timestamptz NOT NULL,
         removed boolean NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service)
       )`,
      `CREATE TABLE drift.service_health (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         status text NOT NULL,
         since timestamptz NOT NULL,
         reason text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service)
       )`,
      `CREATE TABLE drift.scaling (
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         min_replicas integer,
         max_replicas integer,
         decision_id uuid,
         desired_replicas integer,
         decided_at timestamptz,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (environment_id, service)
       )`,
      `CREATE TABLE drift.releases (
         deployment_id uuid PRIMARY KEY,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         revision integer NOT NULL,
         image text NOT NULL,
         config_checksum text NOT NULL,
         state text NOT NULL,
         gate_rollback boolean NOT NULL,
         reason text,
         ended_at timestamptz,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX releases_environment ON drift.releases (environment_id, service, revision DESC)`,
      `GRANT SELECT, INSERT, UPDATE ON drift.environment_drift, drift.desired_states, drift.findings, drift.schedule, drift.environments, drift.services, drift.service_health, drift.scaling, drift.releases TO ${APP_ROLE}`,
      `GRANT DELETE ON drift.environments, drift.services, drift.service_health, drift.scaling, drift.releases TO ${PLATFORM_ROLE}`,
      ...['environment_drift', 'desired_states', 'findings', 'schedule', 'environments', 'services', 'service_health', 'scaling', 'releases'].flatMap((t) => tenantIsolation(`drift.${t}`)),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA drift CASCADE`);
  }
}
