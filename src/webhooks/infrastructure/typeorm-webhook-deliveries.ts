import { Injectable } from '@nestjs/common';
import { TransactionManager, rowsOf } from '@rcp/persistence';
import { AttemptRecord, ClaimedDelivery, DeliveryRecord, WebhookDeliveries } from '../application/ports/webhook-deliveries.port';

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

  async fanOut(eventId: string): Promise<number> {
    const result: unknown = await this.tx.manager().query(
      `INSERT INTO webhooks.deliveries (id, subscription_id, tenant_id, event_id, event_type, envelope, state, attempts, failures, next_attempt_at, created_at, updated_at)
       SELECT gen_random_uuid(), s.id, s.tenant_id, e.id, e.type, e.envelope, 'pending', 0, 0, clock_timestamp(), clock_timestamp(), clock_timestamp()
       FROM platform.event_log e JOIN webhooks.subscriptions s ON s.tenant_id = e.tenant_id
       WHERE e.id = $1 AND s.state = 'active'
         AND EXISTS (SELECT 1 FROM unnest(s.event_types) t WHERE t = e.type OR (right(t, 2) = '.*' AND starts_with(e.type, left(t, -1))))
         AND (s.project_ids IS NULL OR (e.envelope->>'projectid') = ANY (s.project_ids))
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING 1`,
      [eventId],
    );
    return rowsOf(result).length;
  }

  async claim(limit: number, perSubscription: number, busy: string[], leaseMs: number): Promise<ClaimedDelivery[]> {
    const result: unknown = await this.tx.manager().query(
      `WITH due AS (
         SELECT id FROM (
           SELECT id, row_number() OVER (PARTITION BY subscription_id ORDER BY next_attempt_at) AS n
           FROM webhooks.deliveries
           WHERE state IN ('pending', 'retrying') AND next_attempt_at <= clock_timestamp() AND (lease_until IS NULL OR lease_until < clock_timestamp())
             AND NOT (subscription_id = ANY ($3::uuid[]))
         ) ranked WHERE n <= $2 LIMIT $1
       ), locked AS (
         SELECT d.id FROM webhooks.deliveries d JOIN due USING (id) FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhooks.deliveries d SET lease_until = clock_timestamp() + make_interval(secs => $4 / 1000.0)
       FROM locked, webhooks.subscriptions s
       WHERE d.id = locked.id AND s.id = d.subscription_id AND s.state = 'active'
       RETURNING d.id, d.subscription_id, d.tenant_id, d.event_id, d.envelope::text AS body, s.url, d.attempts, d.failures, s.dead_letter_streak,
         CASE WHEN s.previous_secret_until > clock_timestamp() THEN ARRAY[s.sealed_secret, s.previous_sealed_secret] ELSE ARRAY[s.sealed_secret] END AS sealed_secrets`,
      [limit, perSubscription, busy, leaseMs],
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

  async recordAttempt(d: ClaimedDelivery, a: AttemptRecord, next: { state: DeliveryRecord['state']; nextAttemptAt: Date | null }): Promise<void> {
    const m = this.tx.manager();
    await m.query(
      `WITH attempt AS (
         INSERT INTO webhooks.attempts (delivery_id, attempt, tenant_id, at, status, latency_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7)
       )
       UPDATE webhooks.deliveries SET state = $8, attempts = $2, failures = CASE WHEN $8 = 'delivered' THEN failures ELSE failures + 1 END,
         next_attempt_at = $9, lease_until = NULL, last_status = $5, last_latency_ms = $6, last_error = $7,
         delivered_at = CASE WHEN $8 = 'delivered' THEN $4 ELSE delivered_at END, updated_at = clock_timestamp()
       WHERE id = $1`,
      [d.id, d.attempts + 1, d.tenantId, a.at, a.status, a.latencyMs, a.error, next.state, next.nextAttemptAt],
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
