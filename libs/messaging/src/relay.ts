import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService } from '@rcp/observability';
import { PgSession } from './pg-listener';
import { OUTBOX_CHANNEL, RelayWakeup } from './relay-wakeup';

export const RELAY_LOCK_KEY = 7263002;

/**
 * The outbox relay. Exactly one leader at a time across all worker processes (session advisory lock on
 * a dedicated connection). In one transaction the leader:
 *   1. deletes the next batch of committed outbox rows (uncommitted ones are invisible, so a transaction
 *      that took a lower sequence but commits later is simply claimed in a later round, never skipped),
 *   2. gives them gapless feed positions in claim order and moves them to `platform.event_log`,
 *   3. fans each out to one `platform.event_deliveries` row per handler subscribed in
 *      `platform.event_subscriptions` (which every worker's build registers, so an old leader fans out to
 *      a new handler too), marking it the head of its (handler, aggregate) queue when the queue was empty.
 * The three steps are one statement and the whole round one round trip to Postgres.
 * A crash anywhere before commit leaves the outbox untouched; after commit nothing is lost because the
 * deliveries are durable. Polling is adaptive: immediate while batches come back full or while commits
 * arrived during the round, then backing off to `RELAY_IDLE_MAX_MS`, and woken early by in-process
 * signals or a NOTIFY sent after commit.
 */
@Injectable()
export class OutboxRelay {
  private readonly log = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private leader = false;
  private sleeper?: { timer: NodeJS.Timeout; resolve: () => void };
  private wakePending = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly session: PgSession,
    private readonly wakeup: RelayWakeup,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.wakeup.on(OUTBOX_CHANNEL, () => this.wake());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.endSleep();
    await this.loop;
    this.wakeup.setLocalRelayLeader(false);
    if (this.leader) await this.session.unlock(RELAY_LOCK_KEY);
    this.leader = false;
    this.metrics.relayLeader.set(0);
  }

  /**
   * New events were committed. A wake that arrives while a round is running is remembered, so the
   * round that missed those events is followed at once by another (a lost wake-up would otherwise
   * cost up to `RELAY_IDLE_MAX_MS`). Only the leader's idle sleep is shortened: a follower keeps its
   * own pace for retrying the lock instead of trying it after every commit in the system.
   */
  private wake(): void {
    if (!this.leader) return;
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
        if (!this.leader || !this.session.alive) {
          this.leader = await this.session.tryLock(RELAY_LOCK_KEY);
          this.metrics.relayLeader.set(this.leader ? 1 : 0);
          this.wakeup.setLocalRelayLeader(this.leader);
          if (this.leader) this.log.log('relay leadership acquired');
          if (!this.leader) {
            await this.sleep(1000);
            continue;
          }
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
        this.leader = this.leader && this.session.alive;
        this.wakeup.setLocalRelayLeader(this.leader);
        this.log.warn(`relay round failed: ${(err as Error).message}`);
        await this.sleep(500);
      }
    }
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
        RETURNING 1
      )
      SELECT count(*)::int AS claimed FROM logged`;
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
    const lockHeads = `SELECT count(*) FROM (
        SELECT p.id FROM platform.event_deliveries p
        WHERE p.head AND (p.handler, p.aggregate_id) IN (SELECT s.handler, l.aggregate_id ${subscribed})
        FOR KEY SHARE OF p) heads`;
    // Fans each new event out to its subscribers, with a snapshot taken after those locks.
    const fanOut = `WITH fanned AS (
        INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
        SELECT l.id, s.handler, l.position, l.aggregate_id, l.tenant_id,
               row_number() OVER (PARTITION BY s.handler, l.aggregate_id ORDER BY l.position) = 1
               AND NOT EXISTS (SELECT 1 FROM platform.event_deliveries p WHERE p.handler = s.handler AND p.aggregate_id = l.aggregate_id)
        ${subscribed}
        ON CONFLICT (event_id, handler) DO NOTHING
        RETURNING 1
      ) SELECT count(*)::int AS deliveries FROM fanned`;
    // One round trip per round, sent as one simple-protocol query: lock, claim + number + log, lock the
    // heads, fan out, commit. Each statement gets its own snapshot, so the claim sees what committed
    // before the lock, and the fan-out what committed before its heads were locked.
    const runner = this.ds.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    let count: number;
    try {
      const results = (await client.query(
        `BEGIN; SELECT set_config('rcp.relay_base', last_position::text, true) FROM platform.relay_state WHERE id = 1 FOR UPDATE; ` +
          `${claim}; ${lockHeads}; ${fanOut}; COMMIT`,
      )) as unknown as QueryResult[];
      count = Number(results[2].rows[0].claimed);
    } catch (err) {
      // A failed statement leaves the transaction block open and aborted: end it before the connection goes back.
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    if (count > 0) {
      this.metrics.relayEvents.inc(count);
      this.wakeup.deliveriesChanged();
    }
    return count;
  }
}
