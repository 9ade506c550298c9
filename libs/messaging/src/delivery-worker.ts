import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService, RequestContexts, SpanKind, SpanStatusCode, TracedSpan, newTraceparent, withSpan } from '@rcp/observability';
import { DbScope, NARROW_TO_TENANT_SQL, TransactionManager, TransactionTimeoutError, WIDEN_TO_PLATFORM_SQL, platformScopeOf, workerActor } from '@rcp/persistence';
import { EventSubscriptions } from './event-subscriptions';
import { CloudEventEnvelope, EventCatalogue } from './integration-event';
import { DELIVERY_RUN_LOCK_CLASS } from './lock-keys';
import { DELIVERY_CHANNEL, RelayWakeup } from './relay-wakeup';

interface DueDelivery {
  id: string;
  event_id: string;
  handler: string;
  aggregate_id: string;
  attempts: number;
  envelope: CloudEventEnvelope;
  position: string;
  recorded_at: Date;
  /** False while a worker that cut this delivery off is still recording that (see `cutOff`). */
  free: boolean;
  /** Its inbox row was new (false: the effect already happened once, the handler is not called). */
  fresh: boolean;
  /** The tenant the claim narrowed the transaction to for the handler ('' : it stays platform-scoped). */
  narrowed_to: string;
}

type Outcome = 'none' | 'done' | 'failed';

const SYSTEM: DbScope = { tenantId: null, platform: true };

/** What a handler name (its class name) may look like; names are inlined into the claim. */
const HANDLER_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** How often a running worker marks its subscriptions as seen (see `EVENT_SUBSCRIPTION_TTL_HOURS`). */
const REGISTRATION_REFRESH_MS = 60_000;

/** A SQL string literal (standard_conforming_strings is on: only quotes need doubling). */
const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

/**
 * Removes a done delivery and makes the next one of its queue the head: two statements, so the
 * promotion's snapshot sees the removal (as `platform.remove_deliveries` does for several at once; this
 * is the same for one, sent with the savepoint's release, without a function call's overhead).
 */
function removeSql(d: Pick<DueDelivery, 'id' | 'handler' | 'aggregate_id'>): string {
  return (
    `DELETE FROM platform.event_deliveries WHERE id = ${BigInt(d.id)}; ` +
    `UPDATE platform.event_deliveries SET head = true WHERE NOT head AND id = (SELECT id FROM platform.event_deliveries ` +
    `WHERE handler = ${literal(d.handler)} AND aggregate_id = ${literal(d.aggregate_id)} ORDER BY position LIMIT 1)`
  );
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
 * may run it, each with `DELIVERY_CONCURRENCY` lanes.
 *
 * Deliveries form one queue per (handler, aggregate); only a queue's head (`head`) is ever claimed, so a
 * handler sees an aggregate's events in order, and a head that failed (waiting for its retry) or was
 * dead-lettered holds the rest of its queue, visible as held, until it succeeds or an operator replays or
 * skips it. A lane claims one due head at a time with `FOR NO KEY UPDATE SKIP LOCKED`, from a partial index of
 * heads, so the poll costs the same however many deliveries are held behind failing ones.
 *
 * Each delivery is its own transaction: the row lock that claims it, its inbox row (`platform.inbox`, key
 * event id + handler: a duplicate key means the effect already happened, so a redelivered event is
 * acknowledged without running the handler again), the handler's effect, and the removal of the delivery
 * with the promotion of its queue's next head. Nothing another handler or aggregate does shares it. A
 * handler that throws rolls back to a savepoint and its failure is recorded with a backoff; one that takes
 * longer than `DELIVERY_HANDLER_TIMEOUT_MS` is cut off (its backend terminated, so its locks go at once)
 * and its failure recorded in a new transaction. After `DELIVERY_MAX_ATTEMPTS` a delivery is
 * `dead_letter`. A worker claims only deliveries of handlers its own build has, so in a rolling deploy an
 * old worker leaves a new handler's deliveries to a new worker instead of failing them.
 *
 * The handler runs in its event's tenant scope: for an event with a tenant, the transaction (platform,
 * for the bookkeeping) is narrowed to that tenant right after the claim's savepoint (role `rcp_app`,
 * `SET LOCAL`), so row-level security holds the handler, and every command it dispatches, to the
 * tenant's rows as it holds a request of that tenant's token; it is widened again with the removal, or
 * by rolling back to the savepoint on failure. A platform event (no tenant), or a handler declared
 * `@PlatformScope(reason)`, runs platform-scoped.
 *
 * With tracing on, each delivery is a span (`deliver <type> to <Handler>`), a child of the span that
 * appended the event (its envelope's `traceparent`), whichever process appended it.
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
  private registered?: Promise<void>;
  /** Connections on which the claim is prepared (see `claimSql`). */
  private readonly prepared = new WeakSet<object>();
  private refresh?: NodeJS.Timeout;

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
    this.registered = this.register();
    this.refresh = setInterval(() => void this.subscriptions.registerAll().catch(() => undefined), REGISTRATION_REFRESH_MS);
    this.refresh.unref();
    for (let i = 0; i < this.settings.DELIVERY_CONCURRENCY; i++) this.lanes.push(this.lane());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.refresh);
    this.wakeAll();
    await Promise.all(this.lanes);
    this.lanes = [];
  }

  /** Registers this build's subscriptions before the first delivery; retries until it succeeds or the worker stops. */
  private async register(): Promise<void> {
    while (this.running) {
      try {
        await this.subscriptions.registerAll();
        return;
      } catch (err) {
        this.log.warn(`registering event subscriptions failed: ${(err as Error).message}`);
        await this.idle(1000);
      }
    }
  }

  /**
   * New deliveries were committed. One sleeping lane wakes; a lane that claims a delivery while another
   * is due wakes the next. If no lane sleeps, the signal is remembered, so a lane whose poll looked
   * before those deliveries committed polls again instead of going to sleep.
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
    await this.registered;
    let idle = 5;
    while (this.running) {
      try {
        const outcome = await this.runNext();
        const pending = this.wakePending;
        this.wakePending = false;
        if (outcome !== 'none' || pending) {
          idle = 5;
          continue;
        }
        idle = Math.min(idle * 2, this.settings.RELAY_IDLE_MAX_MS);
        await this.idle(idle);
      } catch (err) {
        this.log.warn(`delivery failed to run: ${(err as Error).message}`);
        await this.idle(500);
      }
    }
  }

  /**
   * One round, for tests and the benchmark (the lanes run continuously): runs each delivery that is a
   * due head when the round starts, each in its own transaction, and returns how many ran (done or
   * failed). Heads promoted meanwhile wait for the next round.
   */
  async runOnce(max = 64): Promise<number> {
    const due: Array<{ id: string }> = await this.tx.run(
      (m) =>
        m.query(
          `SELECT id FROM platform.event_deliveries
           WHERE head AND state IN ('pending', 'failed') AND next_attempt_at <= clock_timestamp() AND handler = ANY($1::text[])
           ORDER BY next_attempt_at, position LIMIT $2`,
          [this.subscriptions.names(), max],
        ),
      SYSTEM,
    );
    let ran = 0;
    for (const { id } of due) if ((await this.runNext(id)) !== 'none') ran++;
    return ran;
  }

  /**
   * The claim, prepared once per connection (`PREPARE` is not undone by a rollback and lives as long as
   * the connection): the next due head this build can run (or the given one), locked FOR NO KEY UPDATE
   * (so the relay may still lock it FOR KEY SHARE), its run lock taken shared, its inbox row inserted,
   * and the transaction's commit made asynchronous (a delivery lost with the last milliseconds of a
   * database crash is simply delivered again: its effect, inbox row and removal commit together). It
   * also sets `rcp.tenant_id` to the tenant the handler runs for ('' for a platform event or a
   * `@PlatformScope` handler), which {@link NARROW_TO_TENANT_SQL} then narrows to.
   */
  private claimSql(client: object, only?: string): string {
    const names = this.subscriptions.names();
    for (const n of names) if (!HANDLER_NAME.test(n)) throw new Error(`Refusing to claim for ${JSON.stringify(n)}: not a valid handler name`);
    const array = (ns: string[]) => `ARRAY[${ns.map((n) => `'${n}'`).join(', ')}]::text[]`;
    const platform = names.filter((n) => platformScopeOf(this.subscriptions.get(n)?.handler) !== undefined);
    // The planner, misled by the statistics of a table whose rows come and go by the thousand, would
    // read and sort every due head to find the first; the claim must walk the heads index in its order
    // and stop at the first it can lock. These settings hold for the claim only.
    const execute =
      `SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; ` +
      `EXECUTE rcp_claim_delivery(${array(names)}, ${only === undefined ? 'NULL' : BigInt(only)}, ${array(platform)}); ` +
      `RESET enable_sort; RESET enable_bitmapscan`;
    if (this.prepared.has(client)) return execute;
    this.prepared.add(client);
    return `PREPARE rcp_claim_delivery(text[], bigint, text[]) AS
      WITH next AS (
        SELECT d.id, d.event_id, d.handler, d.aggregate_id, d.attempts, d.position, d.tenant_id
        FROM platform.event_deliveries d
        WHERE d.head AND d.state IN ('pending', 'failed') AND d.next_attempt_at <= clock_timestamp() AND d.handler = ANY($1)
          AND ($2::bigint IS NULL OR d.id = $2)
        ORDER BY d.next_attempt_at, d.position
        LIMIT 1
        FOR NO KEY UPDATE SKIP LOCKED
      ), claimed AS (
        SELECT next.*, pg_try_advisory_xact_lock_shared(${DELIVERY_RUN_LOCK_CLASS}, (next.id % 2147483647)::int) AS free FROM next
      ), inbox AS (
        INSERT INTO platform.inbox (event_id, handler) SELECT event_id, handler FROM claimed WHERE free
        ON CONFLICT DO NOTHING RETURNING event_id
      )
      SELECT claimed.*, e.envelope, e.recorded_at, EXISTS (SELECT 1 FROM inbox) AS fresh,
             set_config('synchronous_commit', 'off', true) AS async_commit,
             set_config('idle_in_transaction_session_timeout', '${this.settings.DELIVERY_HANDLER_TIMEOUT_MS + 5000}', true) AS idle_limit,
             set_config('rcp.tenant_id', CASE WHEN claimed.free AND NOT claimed.handler = ANY($3) THEN COALESCE(claimed.tenant_id, '') ELSE '' END, true) AS narrowed_to
      FROM claimed JOIN platform.event_log e ON e.id = claimed.event_id; ${execute}`;
  }

  /**
   * Claims the next due head this build can run (or the given one, if still due) and runs it in its own
   * transaction, in two round trips when it succeeds: BEGIN, the claim, a savepoint and the narrowing to
   * the event's tenant in one message, then (after the handler) the savepoint's release, the widening,
   * the removal and COMMIT in another.
   */
  private async runNext(only?: string): Promise<Outcome> {
    let claimed: DueDelivery | undefined;
    let connection: object | undefined;
    try {
      return await this.tx.run(
        async (m, opened) => {
          // opened: [the claim's settings…, the claim, its two RESETs, SAVEPOINT, the narrowing]
          const rows = opened[opened.length - 5] as unknown as DueDelivery[];
          const d = rows[0];
          if (!d || !d.free) return 'none';
          claimed = d;
          this.wakeOne(); // there may be more: a sleeping lane looks (and sleeps again if not)
          return (await this.deliver(m, d)) ? 'done' : 'failed';
        },
        SYSTEM,
        {
          openWith: (client) => `${this.claimSql((connection = client), only)}; SAVEPOINT delivery; ${NARROW_TO_TENANT_SQL}`,
          timeoutMs: this.settings.DELIVERY_HANDLER_TIMEOUT_MS,
          onTimeout: (cutOff) => this.cutOff(claimed!, cutOff),
        },
      );
    } catch (err) {
      if (claimed && err instanceof TransactionTimeoutError) return 'failed';
      // The connection's prepared claim is not what was assumed (a PREPARE that failed, or one that
      // survived a failed message): believe Postgres, and the next attempt on it is right.
      const code = (err as { code?: string }).code;
      if (connection && code === '26000') this.prepared.delete(connection);
      if (connection && code === '42P05') this.prepared.add(connection);
      throw err;
    }
  }

  /**
   * A handler overran its time limit: terminate its transaction and record the failure, without a moment
   * in which another lane could claim the delivery (it would run the handler again, uncounted). This
   * transaction asks for the delivery's run lock exclusively first; the hung transaction holds it shared,
   * so the request waits in the lock queue, where it already makes every other claimer's try fail; then
   * the hung backend is terminated, the lock granted, and the failure recorded under it.
   */
  private async cutOff(d: DueDelivery, terminate: () => Promise<void>): Promise<void> {
    const message = `handler ${d.handler} took longer than ${this.settings.DELIVERY_HANDLER_TIMEOUT_MS} ms and was cut off`;
    try {
      await this.tx.run(async (m) => {
        const [{ pid }] = await m.query(`SELECT pg_backend_pid() AS pid`);
        const locking = m.query(`SELECT pg_advisory_xact_lock(${DELIVERY_RUN_LOCK_CLASS}, ($1::bigint % 2147483647)::int)`, [d.id]);
        const queued = async () =>
          (await this.tx.dataSource.query(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`, [pid])).length > 0;
        for (let i = 0; i < 100 && !(await queued()); i++) await new Promise((r) => setTimeout(r, 20));
        await terminate();
        await locking;
        await m.query(`SET LOCAL lock_timeout = '5s'`);
        await this.recordFailure(d, message, m);
      }, SYSTEM);
    } catch (err) {
      await terminate();
      this.log.warn(`could not record that ${d.handler} was cut off on ${d.event_id}: ${(err as Error).message}`);
    }
  }

  /**
   * Runs one claimed delivery (its inbox row was inserted with the claim) in the savepoint opened with
   * the claim, in the scope the claim narrowed to; true when done. Success leaves the savepoint's
   * release, the widening back to platform and the delivery's removal to be sent with COMMIT; failure
   * rolls the savepoint back (which widens too) and removes the inbox row with the failure's record.
   */
  private deliver(m: EntityManager, d: DueDelivery): Promise<boolean> {
    return withSpan(
      `deliver ${d.envelope.type} to ${d.handler}`,
      () => ({
        'messaging.system': 'rcp-outbox',
        'messaging.operation.type': 'process',
        'messaging.message.id': d.event_id,
        'rcp.event.type': d.envelope.type,
        'rcp.event.position': Number(d.position),
        'rcp.handler': d.handler,
        'rcp.delivery.attempt': d.attempts + 1,
        'rcp.delivery.duplicate': !d.fresh,
      }),
      (traced) => this.deliverIn(m, d, traced),
      { parent: d.envelope.traceparent, kind: SpanKind.CONSUMER },
    );
  }

  /**
   * {@link deliver} inside its span (tracing on: a child of the span that appended the event, through
   * the envelope's traceparent; the handler's context carries the span, so what the handler records
   * names it). Tracing off, the handler's context continues the event's trace id under a new parent id.
   */
  private async deliverIn(m: EntityManager, d: DueDelivery, traced: TracedSpan | undefined): Promise<boolean> {
    const sub = this.subscriptions.get(d.handler);
    const hooks = this.tx.hookMark();
    try {
      if (!sub) throw new Error(`no handler named ${d.handler} is registered in this process`);
      const event = EventCatalogue.materialize(d.envelope, Number(d.position));
      if (!event) throw new Error(`event type ${d.envelope.type} is not in the catalogue`);
      // A fresh inbox row means the effect has not happened yet; an existing one, that it has (at-least-once
      // delivery, exactly-once effect): the handler is not called again.
      if (d.fresh) {
        const scope: DbScope = d.narrowed_to ? { tenantId: d.narrowed_to, platform: false } : SYSTEM;
        const ctx = {
          correlationId: d.envelope.correlationid,
          traceparent: traced?.traceparent ?? newTraceparent(d.envelope.traceparent?.split('-')[1]),
          span: traced?.span,
          causationId: d.envelope.id,
          actor: workerActor(`system:${d.handler}`, ['system'], d.envelope.tenantid ?? null, d.envelope.projectid, scope),
        };
        await RequestContexts.run(ctx, () => (scope.platform ? sub.handler.handle(event) : this.tx.narrowed(scope, () => sub.handler.handle(event))));
      }
    } catch (err) {
      if (err instanceof TransactionTimeoutError) throw err;
      await m.query('ROLLBACK TO SAVEPOINT delivery');
      this.tx.dropHooksSince(hooks);
      const message = String((err as Error)?.message ?? err);
      if (traced) {
        if (err instanceof Error) traced.span.recordException(err);
        traced.span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 300) });
      }
      await this.recordFailure(d, message, m);
      return false;
    }
    this.tx.beforeCommit(`RELEASE SAVEPOINT delivery; ${d.narrowed_to ? `${WIDEN_TO_PLATFORM_SQL}; ` : ''}${removeSql(d)}`);
    this.metrics.deliveries.inc({ handler: d.handler, outcome: 'done' });
    this.metrics.commitToHandler.observe({ handler: d.handler }, (Date.now() - new Date(d.recorded_at).getTime()) / 1000);
    return true;
  }

  /**
   * Counts a failed attempt and schedules the next one with backoff (from the moment of failure, not
   * the transaction's start), or dead-letters the delivery; guarded by the attempt count, so an attempt
   * is never counted twice. The inbox row this attempt inserted goes with it (one an earlier, successful
   * attempt left stays: it is what keeps the effect single).
   */
  private async recordFailure(d: DueDelivery, error: string, m: EntityManager): Promise<void> {
    const failures = d.attempts + 1;
    const dead = failures >= this.settings.DELIVERY_MAX_ATTEMPTS;
    const message = error.slice(0, 2000);
    const [, updated] = (await m.query(
        `WITH undone AS (DELETE FROM platform.inbox WHERE $9 AND event_id = $7 AND handler = $8)
         UPDATE platform.event_deliveries
         SET attempts = $2, state = $3, last_error = $4, updated_at = clock_timestamp(),
             next_attempt_at = clock_timestamp() + ($5 || ' milliseconds')::interval
         WHERE id = $1 AND attempts = $6`,
        [d.id, failures, dead ? 'dead_letter' : 'failed', message, String(deliveryBackoffMs(failures, this.settings.DELIVERY_BACKOFF_BASE_MS)), d.attempts, d.event_id, d.handler, d.fresh],
    )) as [unknown, number];
    if (updated === 0) return;
    this.metrics.deliveries.inc({ handler: d.handler, outcome: dead ? 'dead_letter' : 'failed' });
    this.log.warn(`handler ${d.handler} failed on ${d.envelope.type} ${d.event_id} (attempt ${failures}${dead ? ', dead-lettered' : ''}): ${message}`);
  }
}
