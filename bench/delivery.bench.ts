/**
 * `npm run bench:delivery` — what the delivery poll and a relay round cost with 50k deliveries held
 * behind one failing delivery (issue 11, item 4), with the queue heads of migration
 * PlatformDeliveryQueues and, in the same run on the same data, the schema and poll before it (the
 * migration's `down`, and the poll statement the delivery worker ran until then).
 *
 * The data: one (handler, aggregate) queue whose first delivery failed and waits an hour for its retry,
 * with BENCH_BACKLOG (50000) deliveries behind it, and 200 unrelated due deliveries of other aggregates.
 * Measured, one statement at a time: the poll that finds the next due delivery (rolled back, so the data
 * stays), as round-trip time and as `EXPLAIN ANALYZE` execution time; and a relay round that claims 100
 * new events of other aggregates and fans them out (new schema only: the fan-out of the old one is
 * gone), against the same round with no backlog. And deliveries run end to end, one after another, by
 * `DeliveryWorker.runOnce` (claim, inbox, a handler that sends one statement in its tenant's scope, removal,
 * commit): BENCH_DELIVERIES (2000) events of one tenant, each its own queue, after 200 to warm up.
 * Starts the real application (api role, no background relay or workers) on a fresh database, dropped
 * at the end. BENCH_REPEAT: 50 polls per variant.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { Injectable, Module } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { QueryRunner } from 'typeorm';
import { DeliveryWorker, EventSubscriptions, IntegrationEvent, OutboxRelay, PublishedEvent } from '../libs/messaging/src';
import { TransactionManager } from '../libs/persistence/src';
import { PlatformDeliveryQueues1764000012400 } from '../migrations/1764000012400-platform-delivery-queues';
import { createApp } from '../src/bootstrap';
import { BenchDatabase, runBench } from './support';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 50);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 50_000);
const HANDLER = 'BenchHandler';
const TYPE = 'rcp.inventory.environment-requested.v1';
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const WARM_UP = 200;

@PublishedEvent({ type: 'rcp.bench.ticked.v1', description: 'Benchmark only.', schema: { type: 'object' } })
class BenchTicked extends IntegrationEvent<Record<string, never>> {}

/** The handler of the end-to-end deliveries: one statement, as a small projection would send. */
@EventsHandler(BenchTicked)
@Injectable()
class CountOnBenchTickedHandler implements IEventHandler<BenchTicked> {
  constructor(private readonly tx: TransactionManager) {}

  async handle(): Promise<void> {
    await this.tx.manager().query('SELECT 1');
  }
}

@Module({ providers: [CountOnBenchTickedHandler] })
class BenchDeliveryModule {}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const ms = (x: number) => x.toFixed(2);

/** The poll of the delivery worker before queue heads (one batch of 16, per-aggregate order by NOT EXISTS). */
const POLL_BEFORE = `SELECT d.id, d.event_id, d.handler, d.attempts, d.position, e.envelope, e.recorded_at
  FROM platform.event_deliveries d
  JOIN platform.event_log e ON e.id = d.event_id
  WHERE d.state IN ('pending', 'failed') AND d.next_attempt_at <= now()
    AND NOT EXISTS (
      SELECT 1 FROM platform.event_deliveries p
      WHERE p.handler = d.handler AND p.aggregate_id = d.aggregate_id AND p.position < d.position
        AND p.state IN ('pending', 'failed'))
  ORDER BY d.position
  LIMIT 16
  FOR UPDATE OF d SKIP LOCKED`;

/**
 * The poll of the delivery worker now, as `DeliveryWorker.claimSql` prepares it (the claim of the next
 * due head, its run lock, its inbox row), with the planner settings the worker sends around it.
 */
const POLL_AFTER = `WITH next AS (
    SELECT d.id, d.event_id, d.handler, d.aggregate_id, d.attempts, d.position
    FROM platform.event_deliveries d
    WHERE d.head AND d.state IN ('pending', 'failed') AND d.next_attempt_at <= clock_timestamp() AND d.handler = ANY(ARRAY['${HANDLER}'])
      AND (NULL::bigint IS NULL OR d.id = NULL::bigint)
    ORDER BY d.next_attempt_at, d.position
    LIMIT 1
    FOR NO KEY UPDATE SKIP LOCKED
  ), claimed AS (
    SELECT next.*, pg_try_advisory_xact_lock_shared(7263004, (next.id % 2147483647)::int) AS free FROM next
  ), inbox AS (
    INSERT INTO platform.inbox (event_id, handler) SELECT event_id, handler FROM claimed WHERE free
    ON CONFLICT DO NOTHING RETURNING event_id
  )
  SELECT claimed.*, e.envelope, e.recorded_at, EXISTS (SELECT 1 FROM inbox) AS fresh
  FROM claimed JOIN platform.event_log e ON e.id = claimed.event_id`;
const AFTER_SETTINGS = 'SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off';

async function timePoll(client: Client, sql: string, settings?: string): Promise<{ rtt: number[]; exec: number[]; found: number }> {
  const rtt: number[] = [];
  const exec: number[] = [];
  let found = 0;
  for (let i = 0; i < REPEAT; i++) {
    await client.query('BEGIN');
    if (settings) await client.query(settings);
    const t0 = performance.now();
    found = (await client.query(sql)).rowCount ?? 0;
    rtt.push(performance.now() - t0);
    await client.query('ROLLBACK');
    await client.query('BEGIN');
    if (settings) await client.query(settings);
    const plan = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
    exec.push(plan.rows[0]['QUERY PLAN'][0]['Execution Time']);
    await client.query('ROLLBACK');
  }
  return { rtt, exec, found };
}

async function main({ name: db, settings }: BenchDatabase): Promise<string[]> {
  const out: string[] = [];
  {
    const app = await createApp(settings, { extraModules: [BenchDeliveryModule] });
    const relay = app.get(OutboxRelay);
    const owner = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
    owner.on('error', () => undefined);
    await owner.connect();
    await owner.query(`INSERT INTO platform.event_subscriptions (handler, event_type, from_position) VALUES ($1, $2, 0)`, [HANDLER, TYPE]);

    // The log: the stuck aggregate's events first, then the unrelated ones.
    await owner.query(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
       SELECT i, gen_random_uuid(), 'bench', $2::text, 'RuntimeEnvironment', CASE WHEN i <= $1::int THEN 'stuck' ELSE 'ok-' || i END,
              CASE WHEN i <= $1 THEN i ELSE 1 END, jsonb_build_object('type', $2::text, 'data', jsonb_build_object('n', i)), now()
       FROM generate_series(1, $1::int + 200) i`,
      [BACKLOG, TYPE],
    );
    await owner.query(`UPDATE platform.relay_state SET last_position = $1`, [BACKLOG + 200]);
    await owner.query(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, state, attempts, next_attempt_at, head)
       SELECT id, $1, position, aggregate_id, tenant_id,
              CASE WHEN position = 1 THEN 'failed' ELSE 'pending' END, CASE WHEN position = 1 THEN 3 ELSE 0 END,
              CASE WHEN position = 1 THEN now() + interval '1 hour' ELSE now() - interval '1 minute' END,
              position = 1 OR aggregate_id <> 'stuck'
       FROM platform.event_log`,
      [HANDLER],
    );
    await owner.query(`VACUUM (ANALYZE) platform.event_deliveries, platform.event_log`);

    const after = await timePoll(owner, POLL_AFTER, AFTER_SETTINGS);
    // The schema before queue heads, on the same rows.
    const migration = new PlatformDeliveryQueues1764000012400();
    // Schema changes need the owner: the migration runs on the owner's connection.
    const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
    await owner.query(`DELETE FROM platform.event_subscriptions`);
    await migration.down(runner);
    await owner.query(`VACUUM (ANALYZE) platform.event_deliveries`);
    const before = await timePoll(owner, POLL_BEFORE);
    await migration.up(runner);
    await owner.query(`INSERT INTO platform.event_subscriptions (handler, event_type, from_position) VALUES ($1, $2, 0)`, [HANDLER, TYPE]);
    await owner.query(`VACUUM (ANALYZE) platform.event_deliveries`);

    // Relay rounds: 100 new events of other aggregates, with the backlog and without it.
    const round = async (): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < 25; i++) {
        await owner.query(
          `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
           SELECT gen_random_uuid(), 'bench', $1, 'RuntimeEnvironment', 'new-' || gen_random_uuid(), 1, jsonb_build_object('type', $1::text), now()
           FROM generate_series(1, 100)`,
          [TYPE],
        );
        const t0 = performance.now();
        const n = await relay.claimBatch();
        if (i >= 5) times.push(performance.now() - t0); // the first five warm up
        if (n !== 100) throw new Error(`relay claimed ${n}, not 100`);
        await owner.query(`DELETE FROM platform.event_deliveries WHERE aggregate_id LIKE 'new-%'`);
      }
      return times;
    };
    const relayBacklog = await round();
    await owner.query(`DELETE FROM platform.event_deliveries`);
    await owner.query(`VACUUM (ANALYZE) platform.event_deliveries`);
    const relayEmpty = await round();

    // Deliveries end to end: BenchTicked events of one tenant, each its own queue (so each is a head).
    await app.get(EventSubscriptions).registerAll();
    await owner.query(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
       SELECT m.top + i, gen_random_uuid(), 'bench', 'rcp.bench.ticked.v1', 'Tick', 'tick-' || i, 1,
              jsonb_build_object('type', 'rcp.bench.ticked.v1', 'id', gen_random_uuid(), 'tenantid', 'bench', 'data', '{}'::jsonb, 'aggregateversion', '1'), now()
       FROM generate_series(1, $1::int) i, (SELECT max(position) AS top FROM platform.event_log) m`,
      [DELIVERIES + WARM_UP],
    );
    await owner.query(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
       SELECT id, 'CountOnBenchTickedHandler', position, aggregate_id, tenant_id, true FROM platform.event_log WHERE type = 'rcp.bench.ticked.v1'`,
    );
    await owner.query(`VACUUM (ANALYZE) platform.event_deliveries, platform.event_log`);
    const worker = app.get(DeliveryWorker);
    for (let done = 0; done < WARM_UP; ) done += await worker.runOnce(Math.min(64, WARM_UP - done));
    const t0 = performance.now();
    let delivered = 0;
    for (let n; (n = await worker.runOnce(64)) > 0; ) delivered += n;
    const deliveryMs = performance.now() - t0;
    const left = Number((await owner.query(`SELECT count(*) AS n FROM platform.event_deliveries WHERE handler = 'CountOnBenchTickedHandler'`)).rows[0].n);
    if (delivered !== DELIVERIES || left !== 0) throw new Error(`delivered ${delivered} of ${DELIVERIES}, ${left} left`);
    await owner.end();
    await app.close();

    if (after.found !== 1 || before.found !== 16) throw new Error(`polls found ${after.found} / ${before.found} deliveries`);
    out.push(`bench:delivery — ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    out.push(`${BACKLOG} deliveries held behind one failing delivery, 200 unrelated due; p50 / p95 in ms (${REPEAT} polls, 20 relay rounds)`);
    out.push(`| measurement | round trip | SQL execution |`);
    out.push(`|---|---:|---:|`);
    out.push(`| poll before (NOT EXISTS over the backlog, batch of 16) | ${ms(median(before.rtt))} / ${ms(p95(before.rtt))} | ${ms(median(before.exec))} / ${ms(p95(before.exec))} |`);
    out.push(`| poll after (queue heads, next one) | ${ms(median(after.rtt))} / ${ms(p95(after.rtt))} | ${ms(median(after.exec))} / ${ms(p95(after.exec))} |`);
    out.push(`| relay round of 100 events, with the backlog | ${ms(median(relayBacklog))} / ${ms(p95(relayBacklog))} | |`);
    out.push(`| relay round of 100 events, no backlog | ${ms(median(relayEmpty))} / ${ms(p95(relayEmpty))} | |`);
    out.push(`| ${DELIVERIES} deliveries end to end, one lane (mean per delivery; deliveries/s) | ${ms(deliveryMs / DELIVERIES)}; ${Math.round(DELIVERIES / (deliveryMs / 1000))}/s | |`);
  }
  return out;
}

runBench(main);
