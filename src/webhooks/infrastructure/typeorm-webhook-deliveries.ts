import { Injectable } from '@nestjs/common';
import { TransactionManager, rowsOf } from '@rcp/persistence';
import { AttemptRecord, AttemptResult, ClaimedDelivery, DeliveryRecord, WebhookDeliveries } from '../application/ports/webhook-deliveries.port';

interface Row {
  id: string;
  subscription_id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  state: DeliveryRecord['state'];
  attempts: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const record = (r: Row): DeliveryRecord => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  tenantId: r.tenant_id,
  eventId: r.event_id,
  eventType: r.event_type,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.state === 'pending' || r.state === 'retrying' ? r.next_attempt_at : null,
  lastStatus: r.last_status,
  lastLatencyMs: r.last_latency_ms,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

const COLUMNS = `id, subscription_id, tenant_id, event_id, event_type, state, attempts, next_attempt_at, last_status, last_latency_ms, last_error, created_at, delivered_at`;

/** `webhooks.deliveries` and `webhooks.attempts`, in the caller's transaction. */
@Injectable()
export class TypeOrmWebhookDeliveries extends WebhookDeliveries {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async fanOut(batch: number): Promise<{ events: number; deliveries: number } | null> {
    const m = this.tx.manager();
    const [cursor]: Array<{ position: string }> = await m.query(`SELECT position FROM webhooks.fanout_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED`);
    if (!cursor) return null;
    // Every snapshot of the log holds all positions up to its head (the relay writes a batch of positions
    // in one transaction), so reading on from the cursor in position order skips nothing.
    const [row]: Array<{ events: number; deliveries: number }> = await m.query(
      `WITH events AS (
         SELECT position, id, tenant_id, type, envelope, recorded_at FROM platform.event_log
         WHERE position > $1 ORDER BY position LIMIT $2
       ), made AS (
         INSERT INTO webhooks.deliveries (id, subscription_id, tenant_id, event_id, event_type, envelope, state, attempts, failures, next_attempt_at, created_at, updated_at)
         SELECT gen_random_uuid(), s.id, s.tenant_id, e.id, e.type, e.envelope, 'pending', 0, 0, clock_timestamp(), clock_timestamp(), clock_timestamp()
         FROM events e JOIN webhooks.subscriptions s ON s.tenant_id = e.tenant_id AND s.state = 'active' AND s.created_at <= e.recorded_at
         WHERE EXISTS (SELECT 1 FROM unnest(s.event_types) t WHERE t = e.type OR (right(t, 2) = '.*' AND starts_with(e.type, left(t, -1))))
           AND (s.project_ids IS NULL OR (e.envelope->>'projectid') = ANY (s.project_ids))
         ORDER BY e.position
         ON CONFLICT (subscription_id, event_id) DO NOTHING
         RETURNING 1
       ), moved AS (
         UPDATE webhooks.fanout_cursor SET position = (SELECT max(position) FROM events) WHERE id = 1 AND EXISTS (SELECT 1 FROM events) RETURNING 1
       )
       SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM made)::int AS deliveries, (SELECT count(*) FROM moved)::int AS moved`,
      [cursor.position, batch],
    );
    return { events: row.events, deliveries: row.deliveries };
  }

  async claim(limit: number, perSubscription: number, busy: string[], leaseMs: number): Promise<ClaimedDelivery[]> {
    const m = this.tx.manager();
    // The oldest due deliveries by the due index (no sort of every due row), locked; then at most
    // `perSubscription` of each subscription are leased, the rest left for the next claim.
    const candidates: Array<{ id: string; subscription_id: string }> = await m.query(
      `SELECT id, subscription_id FROM webhooks.deliveries
       WHERE state IN ('pending', 'retrying') AND next_attempt_at <= clock_timestamp() AND (lease_until IS NULL OR lease_until < clock_timestamp())
         AND NOT (subscription_id = ANY ($2::uuid[]))
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit * 4, busy],
    );
    const taken = new Map<string, number>();
    const ids = candidates
      .filter((c) => {
        const n = taken.get(c.subscription_id) ?? 0;
        if (n >= perSubscription) return false;
        taken.set(c.subscription_id, n + 1);
        return true;
      })
      .slice(0, limit)
      .map((c) => c.id);
    if (ids.length === 0) return [];
    const result: unknown = await m.query(
      `UPDATE webhooks.deliveries d SET lease_until = clock_timestamp() + make_interval(secs => $2 / 1000.0)
       FROM webhooks.subscriptions s
       WHERE d.id = ANY ($1::uuid[]) AND s.id = d.subscription_id AND s.state = 'active'
       RETURNING d.id, d.subscription_id, d.tenant_id, d.event_id, d.envelope::text AS body, s.url, d.attempts, d.failures, s.dead_letter_streak,
         CASE WHEN s.previous_secret_until > clock_timestamp() THEN ARRAY[s.sealed_secret, s.previous_sealed_secret] ELSE ARRAY[s.sealed_secret] END AS sealed_secrets`,
      [ids, leaseMs],
    );
    return rowsOf<{ id: string; subscription_id: string; tenant_id: string; event_id: string; body: string; url: string; attempts: number; failures: number; dead_letter_streak: number; sealed_secrets: string[] }>(result).map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      tenantId: r.tenant_id,
      eventId: r.event_id,
      body: r.body,
      url: r.url,
      attempts: r.attempts,
      failures: r.failures,
      sealedSecrets: r.sealed_secrets,
      deadLetterStreak: r.dead_letter_streak,
    }));
  }

  async recordAttempts(batch: AttemptResult[]): Promise<void> {
    if (batch.length === 0) return;
    const col = <T>(f: (r: AttemptResult) => T) => batch.map(f);
    await this.tx.manager().query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::text[], $8::text[], $9::timestamptz[])
           AS x(id, attempt, tenant_id, at, status, latency_ms, error, state, next_at)
       ), attempts AS (
         INSERT INTO webhooks.attempts (delivery_id, attempt, tenant_id, at, status, latency_ms, error)
         SELECT id, attempt, tenant_id, at, status, latency_ms, error FROM input ON CONFLICT DO NOTHING
       )
       UPDATE webhooks.deliveries d SET state = i.state, attempts = i.attempt, failures = CASE WHEN i.state = 'delivered' THEN d.failures ELSE d.failures + 1 END,
         next_attempt_at = i.next_at, lease_until = NULL, last_status = i.status, last_latency_ms = i.latency_ms, last_error = i.error,
         delivered_at = CASE WHEN i.state = 'delivered' THEN i.at ELSE d.delivered_at END, updated_at = clock_timestamp()
       FROM input i WHERE d.id = i.id AND d.attempts < i.attempt`,
      [
        col((r) => r.delivery.id),
        col((r) => r.attempt.attempt),
        col((r) => r.delivery.tenantId),
        col((r) => r.attempt.at),
        col((r) => r.attempt.status),
        col((r) => r.attempt.latencyMs),
        col((r) => r.attempt.error),
        col((r) => r.state),
        col((r) => r.nextAttemptAt),
      ],
    );
  }

  async page(subscriptionId: string, limit: number, after?: { t: string; id: string }): Promise<DeliveryRecord[]> {
    const params: unknown[] = [subscriptionId, limit + 1];
    const cursor = after ? `AND (created_at, id) > ($${params.push(after.t)}::timestamptz, $${params.push(after.id)}::uuid)` : '';
    const rows: Row[] = await this.tx.manager().query(`SELECT ${COLUMNS} FROM webhooks.deliveries WHERE subscription_id = $1 ${cursor} ORDER BY created_at, id LIMIT $2`, params);
    return rows.map(record);
  }

  async get(subscriptionId: string, deliveryId: string): Promise<(DeliveryRecord & { log: AttemptRecord[] }) | null> {
    const rows: Row[] = await this.tx.manager().query(`SELECT ${COLUMNS} FROM webhooks.deliveries WHERE subscription_id = $1 AND id = $2`, [subscriptionId, deliveryId]);
    if (!rows[0]) return null;
    const log: Array<{ attempt: number; at: Date; status: number | null; latency_ms: number; error: string | null }> = await this.tx
      .manager()
      .query(`SELECT attempt, at, status, latency_ms, error FROM webhooks.attempts WHERE delivery_id = $1 ORDER BY attempt`, [deliveryId]);
    return { ...record(rows[0]), log: log.map((l) => ({ attempt: l.attempt, at: l.at, status: l.status, latencyMs: l.latency_ms, error: l.error })) };
  }

  async abandon(subscriptionId: string, reason: string): Promise<void> {
    await this.tx
      .manager()
      .query(`UPDATE webhooks.deliveries SET state = 'dead_letter', last_error = $2, lease_until = NULL, updated_at = clock_timestamp() WHERE subscription_id = $1 AND state IN ('pending', 'retrying')`, [subscriptionId, reason]);
  }

  async retry(subscriptionId: string, deliveryId: string): Promise<boolean> {
    const result: unknown = await this.tx
      .manager()
      .query(
        `UPDATE webhooks.deliveries SET state = 'pending', failures = 0, next_attempt_at = clock_timestamp(), lease_until = NULL, updated_at = clock_timestamp()
         WHERE subscription_id = $1 AND id = $2 AND state = 'dead_letter' RETURNING 1`,
        [subscriptionId, deliveryId],
      );
    return rowsOf(result).length === 1;
  }
}
