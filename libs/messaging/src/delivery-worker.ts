import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService, RequestContexts, newTraceparent } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { EventSubscriptions } from './event-subscriptions';
import { CloudEventEnvelope, EventCatalogue } from './integration-event';
import { DELIVERY_CHANNEL, RelayWakeup } from './relay-wakeup';

interface DueDelivery {
  id: string;
  event_id: string;
  handler: string;
  attempts: number;
  envelope: CloudEventEnvelope;
  position: string;
  recorded_at: Date;
}

/**
 * Backoff before attempt n+1 after n failures: `baseMs` (default 0.5 s), then doubling, capped at 5 min,
 * with ±20 % jitter.
 */
export function deliveryBackoffMs(failures: number, baseMs = 500): number {
  const base = Math.min(baseMs * 2 ** Math.max(0, failures - 1), 300_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Runs event handlers from `platform.event_deliveries`. Any number of workers in any number of processes
 * may run it: each lane claims due deliveries with `FOR UPDATE SKIP LOCKED`, and a delivery is only due
 * when no earlier delivery of the same aggregate to the same handler is still pending, which keeps
 * per-aggregate order per handler. Each delivery runs in a savepoint together with its inbox row
 * (`platform.inbox`, key event id + handler): a duplicate key means the effect already happened, so a
 * redelivered event is acknowledged without running the handler again. A failure rolls back only that
 * delivery, records the error and schedules a retry with backoff; after `DELIVERY_MAX_ATTEMPTS` it is
 * `dead_letter`, visible over the API and replayable.
 *
 * A lane claims at most `DELIVERY_BATCH_SIZE` deliveries per transaction: every delivery is a
 * subtransaction, and a transaction with more than 64 of them (PGPROC_MAX_CACHED_SUBXIDS, counting
 * savepoints inside handlers) makes every snapshot in the database consult pg_subtrans. A relay signal
 * wakes one lane; a lane that finds a full batch wakes the next.
 */
@Injectable()
export class DeliveryWorker {
  private readonly log = new Logger('DeliveryWorker');
  private running = false;
  private lanes: Promise<void>[] = [];
  /** Sleeping lanes, oldest first (a Set keeps insertion order). */
  private waiters = new Set<() => void>();
  /** A signal arrived while no lane slept: the next lane to finish a round runs another at once. */
  private wakePending = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly tx: TransactionManager,
    private readonly subscriptions: EventSubscriptions,
    private readonly wakeup: RelayWakeup,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.wakeup.on(DELIVERY_CHANNEL, () => this.signal());
    for (let i = 0; i < this.settings.DELIVERY_CONCURRENCY; i++) this.lanes.push(this.lane());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wakeAll();
    await Promise.all(this.lanes);
    this.lanes = [];
  }

  /** Deliveries per round and lane (`DELIVERY_BATCH_SIZE`). */
  private get batchSize(): number {
    return this.settings.DELIVERY_BATCH_SIZE;
  }

  /**
   * New deliveries were committed. One sleeping lane wakes (waking every lane made all but one of them
   * run an empty round, three round trips each, for every relay round); a lane that then finds a full
   * batch wakes the next. If no lane sleeps, the signal is remembered, so a lane whose round looked
   * before those deliveries committed runs again instead of going to sleep.
   */
  private signal(): void {
    if (!this.wakeOne()) this.wakePending = true;
  }

  private wakeOne(): boolean {
    const first = this.waiters.values().next();
    if (first.done) return false;
    first.value();
    return true;
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private async lane(): Promise<void> {
    let idle = 5;
    while (this.running) {
      try {
        const { handled, more } = await this.round();
        if (handled >= this.batchSize) this.wakeOne(); // a backlog: get help
        const pending = this.wakePending;
        this.wakePending = false;
        if (handled >= this.batchSize || more || pending) {
          idle = 5;
          continue;
        }
        idle = handled > 0 ? 5 : Math.min(idle * 2, this.settings.RELAY_IDLE_MAX_MS);
        await this.idle(idle);
      } catch (err) {
        this.log.warn(`delivery round failed: ${(err as Error).message}`);
        await this.idle(500);
      }
    }
  }

  /** Claims and runs one batch of due deliveries; returns how many it handled. Public for tests. */
  async runOnce(): Promise<number> {
    return (await this.round()).handled;
  }

  /**
   * One round. `more` says whether deliveries held back by this round's (per-aggregate order) are due
   * now, so the lane runs again at once only when there is something to run: an empty follow-up round
   * costs three round trips, for every productive round.
   */
  private async round(): Promise<{ handled: number; more: boolean }> {
    return this.tx.run(
      async (m) => {
        const due: DueDelivery[] = await m.query(
          `SELECT d.id, d.event_id, d.handler, d.attempts, d.position, e.envelope, e.recorded_at
           FROM platform.event_deliveries d
           JOIN platform.event_log e ON e.id = d.event_id
           WHERE d.state IN ('pending', 'failed') AND d.next_attempt_at <= now()
             AND NOT EXISTS (
               SELECT 1 FROM platform.event_deliveries p
               WHERE p.handler = d.handler AND p.aggregate_id = d.aggregate_id AND p.position < d.position
                 AND p.state IN ('pending', 'failed'))
           ORDER BY d.position
           LIMIT $1
           FOR UPDATE OF d SKIP LOCKED`,
          [this.batchSize],
        );
        const done: string[] = [];
        for (const d of due) if (await this.deliver(d)) done.push(d.id);
        let more = false;
        if (done.length > 0) {
          const [next] = await m.query(
            `WITH done AS (
               DELETE FROM platform.event_deliveries WHERE id = ANY($1::bigint[]) RETURNING handler, aggregate_id, position
             )
             SELECT EXISTS (
               SELECT 1 FROM platform.event_deliveries p JOIN done ON p.handler = done.handler AND p.aggregate_id = done.aggregate_id
               WHERE p.position > done.position AND p.state IN ('pending', 'failed') AND p.next_attempt_at <= now()
             ) AS more`,
            [done],
          );
          more = next.more === true;
        }
        return { handled: due.length, more };
      },
      { tenantId: null, platform: true },
    );
  }

  /** Runs one delivery in a savepoint with its inbox row; true when done (the caller deletes it). */
  private async deliver(d: DueDelivery): Promise<boolean> {
    const m = this.tx.manager();
    const sub = this.subscriptions.get(d.handler);
    try {
      if (!sub) throw new Error(`no handler named ${d.handler} is registered in this process`);
      const event = EventCatalogue.materialize(d.envelope, Number(d.position));
      if (!event) throw new Error(`event type ${d.envelope.type} is not in the catalogue`);
      await this.tx.savepoint('delivery', async () => {
        const inserted: unknown[] = await m.query(
          `INSERT INTO platform.inbox (event_id, handler) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [d.event_id, d.handler],
        );
        if (inserted.length === 0) return; // already done once: at-least-once delivery, exactly-once effect
        const ctx = {
          correlationId: d.envelope.correlationid,
          traceparent: newTraceparent(d.envelope.traceparent?.split('-')[1]),
          causationId: d.envelope.id,
          actor: { sub: `system:${d.handler}`, kind: 'system' as const, tenantId: d.envelope.tenantid ?? null, roles: ['system'] },
        };
        await RequestContexts.run(ctx, () => sub.handler.handle(event));
      });
      this.metrics.deliveries.inc({ handler: d.handler, outcome: 'done' });
      this.metrics.commitToHandler.observe({ handler: d.handler }, (Date.now() - new Date(d.recorded_at).getTime()) / 1000);
      return true;
    } catch (err) {
      const failures = d.attempts + 1;
      const dead = failures >= this.settings.DELIVERY_MAX_ATTEMPTS;
      const message = String((err as Error)?.message ?? err).slice(0, 2000);
      await m.query(
        `UPDATE platform.event_deliveries
         SET attempts = $2, state = $3, last_error = $4, updated_at = now(),
             next_attempt_at = now() + ($5 || ' milliseconds')::interval
         WHERE id = $1`,
        [d.id, failures, dead ? 'dead_letter' : 'failed', message, String(deliveryBackoffMs(failures, this.settings.DELIVERY_BACKOFF_BASE_MS))],
      );
      this.metrics.deliveries.inc({ handler: d.handler, outcome: dead ? 'dead_letter' : 'failed' });
      this.log.warn(`handler ${d.handler} failed on ${d.envelope.type} ${d.event_id} (attempt ${failures}${dead ? ', dead-lettered' : ''}): ${message}`);
      return false;
    }
  }
}
