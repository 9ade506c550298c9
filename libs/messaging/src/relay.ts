import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService } from '@rcp/observability';
import { EventSubscriptions } from './event-subscriptions';
import { PgSession } from './pg-listener';
import { OUTBOX_CHANNEL, RelayWakeup } from './relay-wakeup';

export const RELAY_LOCK_KEY = 7263002;

/**
 * The outbox relay. Exactly one leader at a time across all worker processes (session advisory lock on
 * a dedicated connection). In one transaction the leader:
 *   1. deletes the next batch of committed outbox rows (uncommitted ones are invisible, so a transaction
 *      that took a lower sequence but commits later is simply claimed in a later round, never skipped),
 *   2. gives them gapless feed positions in claim order and moves them to `platform.event_log`,
 *   3. fans each out to one `platform.event_deliveries` row per subscribed handler.
 * A crash anywhere before commit leaves the outbox untouched; after commit nothing is lost because the
 * deliveries are durable. Polling is adaptive: immediate while batches come back full, then backing off
 * to `RELAY_IDLE_MAX_MS`, and woken early by in-process signals or a NOTIFY sent after commit.
 */
@Injectable()
export class OutboxRelay {
  private readonly log = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private leader = false;
  private sleeper?: { timer: NodeJS.Timeout; resolve: () => void };
  private unsubscribe?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly session: PgSession,
    private readonly subscriptions: EventSubscriptions,
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
    this.wake();
    await this.loop;
    if (this.leader) await this.session.unlock(RELAY_LOCK_KEY);
    this.leader = false;
    this.metrics.relayLeader.set(0);
  }

  private wake(): void {
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
      this.sleeper = undefined;
    }
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
          if (this.leader) this.log.log('relay leadership acquired');
          if (!this.leader) {
            await this.sleep(1000);
            continue;
          }
        }
        const claimed = await this.claimBatch();
        if (claimed >= this.settings.RELAY_BATCH_SIZE) {
          idle = 5;
          continue;
        }
        if (claimed > 0) idle = 5;
        else idle = Math.min(idle * 2, this.settings.RELAY_IDLE_MAX_MS);
        await this.sleep(claimed > 0 ? 0 : idle);
      } catch (err) {
        this.leader = this.leader && this.session.alive;
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
    const count = await this.ds.transaction(async (m) => {
      await m.query(`SELECT last_position FROM platform.relay_state WHERE id = 1 FOR UPDATE`);
      const claimed: Array<{ position: string; id: string; type: string; aggregate_id: string; tenant_id: string | null }> = await m.query(
        `WITH next AS (
           SELECT seq FROM platform.outbox_events ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
         ), claimed AS (
           DELETE FROM platform.outbox_events o USING next WHERE o.seq = next.seq
           RETURNING o.seq, o.id, o.tenant_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, o.envelope, o.recorded_at
         ), n AS (SELECT count(*) AS c FROM claimed),
         st AS (
           UPDATE platform.relay_state SET last_position = last_position + (SELECT c FROM n)
           WHERE id = 1 AND (SELECT c FROM n) > 0
           RETURNING last_position - (SELECT c FROM n) AS base
         )
         INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
         SELECT st.base + row_number() OVER (ORDER BY c.seq), c.id, c.tenant_id, c.type, c.aggregate_type, c.aggregate_id, c.aggregate_version, c.envelope, c.recorded_at
         FROM claimed c CROSS JOIN st
         RETURNING position, id, type, aggregate_id, tenant_id`,
        [this.settings.RELAY_BATCH_SIZE],
      );
      if (claimed.length === 0) return 0;
      const ids: string[] = [];
      const handlers: string[] = [];
      const positions: string[] = [];
      const aggregates: string[] = [];
      const tenants: Array<string | null> = [];
      for (const e of claimed) {
        for (const sub of this.subscriptions.handlersOf(e.type)) {
          ids.push(e.id);
          handlers.push(sub.name);
          positions.push(e.position);
          aggregates.push(e.aggregate_id);
          tenants.push(e.tenant_id);
        }
      }
      if (ids.length > 0) {
        await m.query(
          `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[])
           ON CONFLICT (event_id, handler) DO NOTHING`,
          [ids, handlers, positions, aggregates, tenants],
        );
      }
      return claimed.length;
    });
    if (count > 0) {
      this.metrics.relayEvents.inc(count);
      this.wakeup.deliveriesChanged();
    }
    return count;
  }
}
