import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, platformOnly, tenantIsolation } from './rls';

/**
 * Webhooks: a tenant's subscriptions (the signing secrets sealed), the deliveries (durable work, one
 * per subscription and event, claimed for a lease by the worker that sends it) and their attempts.
 * Tenant-owned, under row-level security.
 */
export class Webhooks1764000021000 implements MigrationInterface {
  name = 'Webhooks1764000021000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA webhooks`,
      ...grantSchema('webhooks'),
      `CREATE TABLE webhooks.subscriptions (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_ids text[],
         url text NOT NULL,
         event_types text[] NOT NULL,
         description text,
         state text NOT NULL CHECK (state IN ('active', 'disabled', 'deleted')),
         disabled_reason text,
         sealed_secret text NOT NULL,
         previous_sealed_secret text,
         previous_secret_until timestamptz,
         dead_letter_streak integer NOT NULL,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         version integer NOT NULL
       )`,
      `CREATE INDEX subscriptions_tenant ON webhooks.subscriptions (tenant_id) WHERE state = 'active'`,
      `CREATE TABLE webhooks.deliveries (
         id uuid PRIMARY KEY,
         subscription_id uuid NOT NULL REFERENCES webhooks.subscriptions (id),
         tenant_id text NOT NULL,
         event_id uuid NOT NULL,
         event_type text NOT NULL,
         envelope jsonb NOT NULL,
         state text NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'dead_letter')),
         attempts integer NOT NULL,
         failures integer NOT NULL,
         next_attempt_at timestamptz,
         lease_until timestamptz,
         last_status integer,
         last_latency_ms integer,
         last_error text,
         created_at timestamptz NOT NULL,
         delivered_at timestamptz,
         updated_at timestamptz NOT NULL,
         CONSTRAINT deliveries_once UNIQUE (subscription_id, event_id)
       )`,
      `CREATE INDEX deliveries_due ON webhooks.deliveries (next_attempt_at) WHERE state IN ('pending', 'retrying')`,
      `CREATE INDEX deliveries_log ON webhooks.deliveries (subscription_id, created_at, id)`,
      `CREATE TABLE webhooks.attempts (
         delivery_id uuid NOT NULL REFERENCES webhooks.deliveries (id) ON DELETE CASCADE,
         attempt integer NOT NULL,
         tenant_id text NOT NULL,
         at timestamptz NOT NULL,
         status integer,
         latency_ms integer NOT NULL,
         error text,
         PRIMARY KEY (delivery_id, attempt)
       )`,
      // How far the fan-out has turned the event log into deliveries (one row; a worker holds it while it fans out a batch).
      `CREATE TABLE webhooks.fanout_cursor (id integer PRIMARY KEY CHECK (id = 1), position bigint NOT NULL)`,
      `INSERT INTO webhooks.fanout_cursor (id, position) SELECT 1, coalesce(max(position), 0) FROM platform.event_log`,
      `CREATE INDEX deliveries_subscription_due ON webhooks.deliveries (subscription_id, next_attempt_at) WHERE state IN ('pending', 'retrying')`,
      `GRANT SELECT, INSERT, UPDATE ON webhooks.subscriptions, webhooks.deliveries, webhooks.attempts, webhooks.fanout_cursor TO ${APP_ROLE}`,
      // Retention deletes old deliveries (their attempts go with them).
      `GRANT DELETE ON webhooks.deliveries, webhooks.attempts TO ${PLATFORM_ROLE}`,
      ...platformOnly('webhooks.fanout_cursor'),
      ...['subscriptions', 'deliveries', 'attempts'].flatMap((t) => tenantIsolation(`webhooks.${t}`)),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA webhooks CASCADE`);
  }
}
