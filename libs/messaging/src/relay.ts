import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService, SpanKind, recordSpan, tracingEnabled } from '@rcp/observability';
import { releaseConnection } from '@rcp/persistence';
import { PgSession } from './pg-listener';
import { OUTBOX_CHANNEL, RelayWakeup } from './relay-wakeup';

export const RELAY_LOCK_KEY = 7263002;

/** The lease this process holds: its term, the session backend that holds the lock, and when its last good renewal was sent. */
interface HeldLease {
  term: number;
  pid: number;
  /** `performance.now()` when the last renewal that succeeded was sent (not when its answer came back). */
  renewedAt: number;
}

/**
 * The outbox relay. Exactly one leader at a time across all worker processes (session advisory lock on
 * a dedicated connection, guarded by a lease: see below). In one transaction the leader:
 *   1. deletes the next batch of committed outbox rows (uncommitted ones are invisible, so a transaction
 *      that took a lower sequence but commits later is simply claimed in a later round, never skipped),
 *   2. gives them gapless feed positions in sequence order and moves them to `platform.event_log`
 *      (within one round, events of different aggregates that committed out of sequence order are
 *      numbered by sequence, not by commit: nothing depends on an order across aggregates, and one
 *      aggregate's events are always in version order, since its next event can only be written once the
 *      previous one committed, by the version check),
 *   3. fans each out to one `platform.event_deliveries` row per handler subscribed in
 *      `platform.event_subscriptions` (which every worker's build registers, so an old leader fans out to
 *      a new handler too), marking it the head of its (handler, aggregate) queue when the queue was empty.
 * The three steps are one statement and the whole round one round trip to Postgres.
 * A crash anywhere before commit leaves the outbox untouched; after commit nothing is lost because the
 * deliveries are durable. Polling is adaptive: immediate while batches come back full or while commits
 * arrived during the round, then backing off to `RELAY_IDLE_MAX_MS`, and woken early by in-process
 * signals or a NOTIFY sent after commit.
 *
 * **The lease.** The advisory lock alone cannot tell a frozen or partitioned leader from a healthy one:
 * a SIGSTOPped process's sockets stay open (its kernel even answers TCP keepalives), so Postgres keeps
 * its session and lock for as long as it is stopped, and the relay stopped for everyone. So the leader
 * renews `platform.relay_leader.renewed_at` (database clock) on the session that holds the lock every
 * fifth of `RELAY_LEASE_MS`; a follower, trying every second, calls `platform.relay_lead`, which ends
 * the holder's session when its lease is older than `RELAY_LEASE_MS` and takes the lock and the lease in
 * the same statement (migration 1764000012300). A process leads ({@link isLeader}, the `rcp_relay_leader`
 * gauge, rounds, leader-only maintenance) only while its session holds the lock and its last successful
 * renewal was *sent* less than the lease ago, on its own monotonic clock: a follower can only displace it
 * after the database saw no renewal for the lease, which is after this process stopped counting itself
 * leader. A leader that thaws therefore finds its lease stale before anything else, renews first, finds
 * its session ended or its lease taken, and stops without running a round; a leader that cannot renew
 * (a partition) stops leading by itself when the lease runs out.
 *
 * A round already sent before a freeze still commits (Postgres does not need the client to finish one
 * simple-protocol query), and no round is ever left open in a transaction by its client. Rounds that
 * overlap around a change of leader are serialized by the `relay_state` row lock (see {@link claimBatch}),
 * so they cannot misorder the feed.
 *
 * With tracing on, a round records one span per event it claimed, a child of the event's append (see
 * `traceClaims`); with it off the round returns only its count, as before.
 */
@Injectable()
export class OutboxRelay {
  private readonly log = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private lease?: HeldLease;
  private renewing?: Promise<boolean>;
  private renewTimer?: NodeJS.Timeout;
  private sleeper?: { timer: NodeJS.Timeout; resolve: () => void };
  private wakePending = false;
  private unsubscribe?: () => void;
  /** Who holds the lease, as written in `platform.relay_leader.holder`: host, pid and a per-instance tag. */
  readonly holderId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly ds: DataSource,
    private readonly session: PgSession,
    private readonly wakeup: RelayWakeup,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    metrics.reportRelayLeader(() => this.isLeader);
  }

  /** True only while this process's session holds the lock and its lease is younger than `RELAY_LEASE_MS`. */
  get isLeader(): boolean {
    const held = this.lease;
    return !!held && this.session.pid === held.pid && performance.now() - held.renewedAt < this.settings.RELAY_LEASE_MS;
  }

  private get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.settings.RELAY_LEASE_MS / 5));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.wakeup.on(OUTBOX_CHANNEL, () => this.wake());
    this.renewTimer = setInterval(() => void this.renew(), this.renewEveryMs);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.renewTimer);
    this.endSleep();
    await this.loop;
    const held = this.lease;
    this.lease = undefined;
    this.wakeup.setLocalRelayLeader(false);
    if (held && this.session.pid === held.pid) await this.session.unlock(RELAY_LOCK_KEY);
  }

  /**
   * New events were committed. A wake that arrives while a round is running is remembered, so the
   * round that missed those events is followed at once by another (a lost wake-up would otherwise
   * cost up to `RELAY_IDLE_MAX_MS`). Only the leader's idle sleep is shortened: a follower keeps its
   * own pace for retrying the lock instead of trying it after every commit in the system.
   */
  private wake(): void {
    if (!this.lease) return;
    this.wakePending = true;
    if (this.sleeper) this.endSleep();
  }

  private endSleep(): void {
    if (!this.sleeper) return;
    clearTimeout(this.sleeper.timer);
    this.sleeper.resolve();
    this.sleeper = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleeper = { timer: setTimeout(() => { this.sleeper = undefined; resolve(); }, ms), resolve };
    });
  }

  private async run(): Promise<void> {
    let idle = 5;
    while (this.running) {
      try {
        // Every round starts from a lease this process knows to be live; a stale one is renewed first.
        if (!this.isLeader && !(await this.lead())) {
          await this.sleep(Math.min(1000, this.renewEveryMs));
          continue;
        }
        this.wakePending = false; // this round sees everything committed before it starts
        const claimed = await this.claimBatch();
        if (claimed >= this.settings.RELAY_BATCH_SIZE || this.wakePending) {
          idle = 5;
          continue;
        }
        if (claimed > 0) idle = 5;
        else idle = Math.min(idle * 2, this.settings.RELAY_IDLE_MAX_MS);
        await this.sleep(claimed > 0 ? 0 : idle);
      } catch (err) {
        this.log.warn(`relay round failed: ${(err as Error).message}`);
        await this.sleep(500);
      }
    }
  }

  /**
   * Leads if it can: renews the lease this session holds, or else asks `platform.relay_lead` for the
   * lock and the lease (which displaces a holder whose lease ran out). True when this process now leads.
   */
  private async lead(): Promise<boolean> {
    if (this.lease) return this.renew();
    const sent = performance.now();
    const { rows } = await this.session.query<{ leads: boolean; term: string; pid: number | null; displaced: number | null }>(
      'SELECT leads, term, pid, displaced FROM platform.relay_lead($1, $2, $3)',
      [RELAY_LOCK_KEY, this.holderId, this.settings.RELAY_LEASE_MS],
    );
    const r = rows[0];
    if (!r.leads || r.pid === null || !this.running) {
      if (r.leads && r.pid === this.session.pid) await this.session.unlock(RELAY_LOCK_KEY);
      return false;
    }
    this.lease = { term: Number(r.term), pid: r.pid, renewedAt: sent };
    this.wakeup.setLocalRelayLeader(true);
    if (r.displaced !== null) {
      this.log.warn(`relay leadership taken over (term ${r.term}): the holder's lease had expired, its session (backend ${r.displaced}) was ended`);
    } else {
      this.log.log(`relay leadership acquired (term ${r.term})`);
    }
    return this.isLeader;
  }

  /**
   * Renews the held lease on the session that holds the lock (at most one renewal in flight). The update
   * matches only this term and this session's backend, so it fails once another process took over.
   */
  private renew(): Promise<boolean> {
    if (!this.lease) return Promise.resolve(false);
    this.renewing ??= this.renewOnce(this.lease).finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(held: HeldLease): Promise<boolean> {
    if (this.session.pid !== held.pid) {
      this.lose(held, 'its session ended');
      return false;
    }
    const sent = performance.now();
    try {
      const { rowCount } = await this.session.query(
        'UPDATE platform.relay_leader SET renewed_at = clock_timestamp() WHERE id = 1 AND term = $1 AND holder_pid = pg_backend_pid()',
        [held.term],
      );
      if (rowCount === 1) held.renewedAt = sent;
      else this.lose(held, 'its lease was taken');
    } catch (err) {
      // The session died under the renewal: the lock went with it. Any other failure leaves the lease to
      // run out unless a later renewal succeeds.
      if (this.session.pid !== held.pid) this.lose(held, `its session ended (${(err as Error).message})`);
    }
    return this.lease === held && this.isLeader;
  }

  /** Stops leading at once; the lock is released if this session still has it. */
  private lose(held: HeldLease, why: string): void {
    if (this.lease !== held) return;
    this.lease = undefined;
    this.wakeup.setLocalRelayLeader(false);
    this.log.warn(`relay leadership lost (term ${held.term}): ${why}`);
    if (this.session.pid === held.pid) void this.session.unlock(RELAY_LOCK_KEY);
  }

  /**
   * One relay round; returns how many events it claimed. Public for tests and the benchmark.
   *
   * Rounds are serialized in the database, not only by the leader lock: the round first locks the
   * `relay_state` row, so a second round that overlaps (a leader whose session just died while a round
   * was in flight, a follower that took over meanwhile, or a manual call) waits for the first to commit
   * and then claims what is left. Without that, two rounds claim interleaved slices of the outbox (SKIP
   * LOCKED) and whichever numbers its slice first gives an aggregate's later event an earlier position,
   * so handlers would see that aggregate's events out of order.
   */
  async claimBatch(): Promise<number> {
    // With tracing on, the round also returns each claimed event's traceparent (see traceClaims).
    const traced = tracingEnabled();
    const claim = `WITH next AS (
        SELECT seq FROM platform.outbox_events ORDER BY seq LIMIT ${Math.trunc(this.settings.RELAY_BATCH_SIZE)} FOR UPDATE SKIP LOCKED
      ), claimed AS (
        DELETE FROM platform.outbox_events o USING next WHERE o.seq = next.seq
        RETURNING o.seq, o.id, o.tenant_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, o.envelope, o.recorded_at
      ), n AS (SELECT count(*) AS c FROM claimed),
      st AS (
        UPDATE platform.relay_state SET last_position = last_position + (SELECT c FROM n)
        WHERE id = 1 AND (SELECT c FROM n) > 0
        RETURNING last_position - (SELECT c FROM n) AS base
      ), logged AS (
        INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
        SELECT st.base + row_number() OVER (ORDER BY c.seq), c.id, c.tenant_id, c.type, c.aggregate_type, c.aggregate_id, c.aggregate_version, c.envelope, c.recorded_at
        FROM claimed c CROSS JOIN st
        RETURNING ${traced ? `position, id, type, envelope->>'traceparent' AS traceparent` : '1'}
      )
      SELECT count(*)::int AS claimed${traced ? `, COALESCE(json_agg(json_build_object('position', position, 'id', id, 'type', type, 'traceparent', traceparent)), '[]') AS traced` : ''} FROM logged`;
    // This round's events: between the position read under the relay_state lock (kept in a setting) and
    // the one the claim moved it to.
    const subscribed = `FROM platform.event_log l JOIN platform.event_subscriptions s ON s.event_type = l.type
        AND s.seen_at > now() - make_interval(hours => ${Math.trunc(this.settings.EVENT_SUBSCRIPTION_TTL_HOURS)})
      WHERE l.position > current_setting('rcp.relay_base')::bigint AND l.position <= (SELECT last_position FROM platform.relay_state WHERE id = 1)`;
    // Locks the heads of the queues this round adds to (FOR KEY SHARE: a worker running a head holds it
    // FOR NO KEY UPDATE, which does not conflict; removing a head does). A worker that removed a head
    // first makes this wait for its commit, and then its promotion is visible to the fan-out below; a
    // worker that removes a head after this waits for this round, and then its promotion sees what the
    // round queued behind that head. Either way a queue never ends up without a head.
    // One index probe per queue (a lateral join), never a scan of the delivery table.
    const lockHeads = `SELECT count(*) FROM (SELECT DISTINCT s.handler, l.aggregate_id ${subscribed}) q
      CROSS JOIN LATERAL (
        SELECT p.id FROM platform.event_deliveries p WHERE p.handler = q.handler AND p.aggregate_id = q.aggregate_id AND p.head
        FOR KEY SHARE) heads`;
    // Fans each new event out to its subscribers, with a snapshot taken after those locks.
    const fanOut = `WITH fanned AS (
        INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
        SELECT l.id, s.handler, l.position, l.aggregate_id, l.tenant_id,
               row_number() OVER (PARTITION BY s.handler, l.aggregate_id ORDER BY l.position) = 1
               -- a probe of the queue index per row (a scalar subquery with LIMIT is never planned as a
               -- hash anti-join, which would read the whole delivery table every round)
               AND (SELECT p.id FROM platform.event_deliveries p WHERE p.handler = s.handler AND p.aggregate_id = l.aggregate_id LIMIT 1) IS NULL
        ${subscribed}
        ON CONFLICT (event_id, handler) DO NOTHING
        RETURNING 1
      ) SELECT count(*)::int AS deliveries FROM fanned`;
    // One round trip per round, sent as one simple-protocol query: lock, claim + number + log, lock the
    // heads, fan out, commit. Each statement gets its own snapshot, so the claim sees what committed
    // before the lock, and the fan-out what committed before its heads were locked.
    const startedAt = Date.now();
    const runner = this.ds.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    let count: number;
    let claims: ClaimedTrace[] = [];
    let broken: Error | undefined;
    try {
      const results = (await client.query(
        // No JIT: with a large backlog the planner's estimates pass jit_above_cost, and compiling took
        // longer (about 15 ms) than the round itself.
        `BEGIN; SET LOCAL jit = off; SELECT set_config('rcp.relay_base', last_position::text, true) FROM platform.relay_state WHERE id = 1 FOR UPDATE; ` +
          `${claim}; ${lockHeads}; ${fanOut}; COMMIT`,
      )) as unknown as QueryResult[];
      count = Number(results[3].rows[0].claimed);
      if (traced) claims = results[3].rows[0].traced as ClaimedTrace[];
    } catch (err) {
      // A failed statement leaves the transaction block open and aborted: end it before the connection
      // goes back, or have the pool close the connection when even that fails.
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      await releaseConnection(runner, broken);
    }
    if (count > 0) {
      this.metrics.relayEvents.inc(count);
      this.wakeup.deliveriesChanged();
    }
    if (claims.length > 0) traceClaims(claims, startedAt, Date.now());
    return count;
  }
}

/** What a traced round returns of each event it claimed. */
interface ClaimedTrace {
  position: number;
  id: string;
  type: string;
  traceparent: string | null;
}

/**
 * One span per event a committed round claimed (`outbox relay <type>`, the round's duration), a child
 * of the span that appended the event (its envelope's traceparent), so the relay step shows in the
 * trace of the request that caused the event, whichever process appended it and whichever relays it.
 */
function traceClaims(claims: ClaimedTrace[], startTime: number, endTime: number): void {
  for (const c of claims) {
    recordSpan(
      `outbox relay ${c.type}`,
      {
        'messaging.system': 'rcp-outbox',
        'messaging.operation.type': 'receive',
        'messaging.message.id': c.id,
        'messaging.batch.message_count': claims.length,
        'rcp.event.type': c.type,
        'rcp.event.position': Number(c.position),
      },
      { parent: c.traceparent, startTime, endTime, kind: SpanKind.CONSUMER },
    );
  }
}
