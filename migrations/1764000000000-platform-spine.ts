import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, CREATE_APP_ROLE, LEGACY_TENANT_PREDICATE, grantSchema, legacyTenantIsolation } from './rls';

/** The kernel: outbox, event log (feed), deliveries, inbox, audit log, jobs ledger, idempotency keys. */
export class PlatformSpine1764000000000 implements MigrationInterface {
  name = 'PlatformSpine1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      CREATE_APP_ROLE,
      `CREATE SCHEMA IF NOT EXISTS platform`,
      ...grantSchema('platform'),
      `CREATE TABLE platform.outbox_events (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        tenant_id text,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version integer NOT NULL,
        envelope jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`,
      `GRANT INSERT ON platform.outbox_events TO ${APP_ROLE}`,
      `GRANT USAGE ON SEQUENCE platform.outbox_events_seq_seq TO ${APP_ROLE}`,
      `CREATE TABLE platform.event_log (
        position bigint PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        tenant_id text,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version integer NOT NULL,
        envelope jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        published_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`,
      `CREATE INDEX event_log_tenant_position ON platform.event_log (tenant_id, position)`,
      `CREATE INDEX event_log_type_position ON platform.event_log (type, position)`,
      `GRANT SELECT ON platform.event_log TO ${APP_ROLE}`,
      ...legacyTenantIsolation('platform.event_log'),
      `CREATE TABLE platform.relay_state (id integer PRIMARY KEY CHECK (id = 1), last_position bigint NOT NULL)`,
      `INSERT INTO platform.relay_state (id, last_position) VALUES (1, 0)`,
      `CREATE TABLE platform.event_deliveries (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL,
        handler text NOT NULL,
        position bigint NOT NULL,
        aggregate_id text NOT NULL,
        tenant_id text,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed', 'dead_letter')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, handler)
      )`,
      `CREATE INDEX event_deliveries_due ON platform.event_deliveries (position) WHERE state IN ('pending', 'failed')`,
      `CREATE INDEX event_deliveries_order ON platform.event_deliveries (handler, aggregate_id, position) WHERE state IN ('pending', 'failed')`,
      `CREATE INDEX event_deliveries_state ON platform.event_deliveries (state)`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform.event_deliveries TO ${APP_ROLE}`,
      `CREATE TABLE platform.inbox (
        event_id uuid NOT NULL,
        handler text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, handler)
      )`,
      `GRANT SELECT, INSERT ON platform.inbox TO ${APP_ROLE}`,
      `CREATE TABLE platform.audit_log (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        tenant_id text,
        actor text NOT NULL,
        actor_kind text NOT NULL,
        roles text[] NOT NULL DEFAULT '{}',
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        result text NOT NULL CHECK (result IN ('allowed', 'denied', 'failed')),
        status integer,
        code text,
        correlation_id text,
        trace_id text,
        ip text,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX audit_log_tenant_id ON platform.audit_log (tenant_id, id DESC)`,
      `CREATE INDEX audit_log_actor ON platform.audit_log (actor, id DESC)`,
      `GRANT SELECT, INSERT ON platform.audit_log TO ${APP_ROLE}`,
      `GRANT USAGE ON SEQUENCE platform.audit_log_id_seq TO ${APP_ROLE}`,
      `ALTER TABLE platform.audit_log ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY audit_log_read ON platform.audit_log FOR SELECT USING ${LEGACY_TENANT_PREDICATE}`,
      `CREATE POLICY audit_log_append ON platform.audit_log FOR INSERT WITH CHECK (true)`,
      `CREATE TABLE platform.jobs (
        id uuid PRIMARY KEY,
        tenant_id text,
        name text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'retrying', 'dead_letter')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        last_error text,
        result jsonb,
        target_type text,
        target_id text,
        correlation_id text,
        run_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX jobs_due ON platform.jobs (run_at) WHERE state IN ('queued', 'retrying', 'running')`,
      `CREATE INDEX jobs_tenant_created ON platform.jobs (tenant_id, created_at DESC)`,
      `CREATE INDEX jobs_target ON platform.jobs (target_type, target_id)`,
      `GRANT SELECT, INSERT, UPDATE ON platform.jobs TO ${APP_ROLE}`,
      ...legacyTenantIsolation('platform.jobs'),
      `CREATE TABLE platform.idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
        status_code integer,
        response_headers jsonb,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`,
      `CREATE INDEX idempotency_keys_expiry ON platform.idempotency_keys (expires_at)`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform.idempotency_keys TO ${APP_ROLE}`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS platform CASCADE`);
  }
}
