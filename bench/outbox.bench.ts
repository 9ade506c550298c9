/**
 * `npm run bench:outbox` — the spine's two numbers, measured against a raw baseline in the same run:
 *
 *   1. Command path: commands/s through the UnitOfWork (aggregate row UPDATE with a version check, one
 *      outbox row, one audit row, in one transaction with row-level-security scope), with N concurrent
 *      clients, next to the same three statements sent by a plain `pg` loop with N clients. Rounds
 *      alternate raw / UnitOfWork so machine noise hits both alike; the median round is reported.
 *      Goal: the command path keeps at least half of the raw figure.
 *   2. Commit-to-handler latency: 20,000 events at ~500 events/s through the relay and the delivery
 *      lanes to a no-op handler, from the moment the command's transaction committed to the moment the
 *      handler is called. Goal: p99 under 50 ms.
 *
 * Starts the real application (createApp, product defaults) against a fresh database
 * `rcp_bench_<random>`, which it drops at the end, with its own Redis prefix (deleted at the end).
 *
 * Knobs (environment): BENCH_CLIENTS (8), BENCH_ROUND_SECONDS (5), BENCH_ROUNDS (3), BENCH_EVENTS (20000),
 * BENCH_RATE (500), BENCH_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { loadSettings, Settings } from '../libs/config/src';
import { IntegrationEvent, OutboxRelay, OutboxWriter, PublishedEvent } from '../libs/messaging/src';
import { RequestContexts } from '../libs/observability/src';
import { TransactionManager, UnitOfWork } from '../libs/persistence/src';
import { createApp } from '../src/bootstrap';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AGGREGATES_PER_CLIENT = 50;
const TENANT = 'bench-tenant';
/** ~300 characters of data, so an envelope is about 700 bytes of jsonb (STACK.md measured with 500 B). */
const FILLER = randomBytes(150).toString('hex');

// ---------------------------------------------------------------------------------------------------
// The benchmark's aggregate, event and no-op handler (registered like any context's, via extraModules)

interface WidgetTouchedData {
  widgetId: string;
  version: number;
  note: string;
}

@PublishedEvent({
  type: 'rcp.bench.widget-touched.v1',
  description: 'Benchmark only: a widget was touched.',
  schema: { type: 'object', properties: { widgetId: { type: 'string' }, version: { type: 'integer' }, note: { type: 'string' } } },
})
class WidgetTouched extends IntegrationEvent<WidgetTouchedData> {}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one host. */
const wallNow = () => performance.timeOrigin + performance.now();

/** When the no-op handler was called, per event id (in whichever process runs the handler). */
const handlerCalls = new Map<string, number>();

/** Does nothing but note when it was called. */
@EventsHandler(WidgetTouched)
@Injectable()
class NoopOnWidgetTouchedHandler implements IEventHandler<WidgetTouched> {
  async handle(event: WidgetTouched): Promise<void> {
    if (!handlerCalls.has(event.meta!.id)) handlerCalls.set(event.meta!.id, wallNow());
  }
}

@Module({ providers: [NoopOnWidgetTouchedHandler] })
class BenchModule {}

const ACTOR = { sub: 'bench@bench-tenant', kind: 'user' as const, tenantId: TENANT, roles: ['tenant:admin'] };

/** One command through the product's UnitOfWork; returns the event id and notes the commit time. */
async function touchWidget(app: NestFastifyApplication, widgetId: string, loaded: number, onCommit?: (eventId: string) => void): Promise<void> {
  const uow = app.get(UnitOfWork);
  const tx = app.get(TransactionManager);
  const outbox = app.get(OutboxWriter);
  await RequestContexts.run({ correlationId: randomUUID(), traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`, actor: ACTOR }, () =>
    uow.execute({ action: 'widget.touch', targetType: 'widget', targetId: widgetId }, async () => {
      const m = tx.manager();
      const [, affected] = (await m.query(`UPDATE bench.widgets SET version = $3, note = $4 WHERE id = $1 AND version = $2`, [widgetId, loaded, loaded + 1, FILLER])) as [
        unknown,
        number,
      ];
      if (affected !== 1) throw new Error(`concurrent modification of ${widgetId}`);
      const [env] = await outbox.append({
        aggregateType: 'Widget',
        aggregateId: widgetId,
        aggregateVersion: loaded + 1,
        tenantId: TENANT,
        events: [new WidgetTouched({ widgetId, version: loaded + 1, note: FILLER })],
      });
      if (onCommit) tx.afterCommit(() => onCommit(env.id));
    }),
  );
}

/** The same three statements as one command, sent by a plain pg client (no ORM, no RLS scope, no envelope building). */
async function rawTouch(c: Client, widgetId: string, loaded: number): Promise<void> {
  const id = randomUUID();
  const env = JSON.stringify({
    specversion: '1.0',
    id,
    source: '/rcp/bench',
    type: 'rcp.bench.widget-touched.v1',
    subject: widgetId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { widgetId, version: loaded + 1, note: FILLER },
    tenantid: TENANT,
    moduleid: 'bench',
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    correlationid: randomUUID(),
    aggregateversion: String(loaded + 1),
  });
  await c.query('BEGIN');
  try {
    const r = await c.query(`UPDATE bench.widgets SET version = $3, note = $4 WHERE id = $1 AND version = $2`, [widgetId, loaded, loaded + 1, FILLER]);
    if (r.rowCount !== 1) throw new Error(`concurrent modification of ${widgetId}`);
    await c.query(
      `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [id, TENANT, 'rcp.bench.widget-touched.v1', 'Widget', widgetId, loaded + 1, env],
    );
    await c.query(
      `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, roles, action, target_type, target_id, result, status, code, correlation_id, trace_id, ip, details)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
      [TENANT, ACTOR.sub, ACTOR.kind, ACTOR.roles, 'widget.touch', 'widget', widgetId, 'allowed', null, null, randomUUID(), randomBytes(16).toString('hex'), null, '{}'],
    );
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------

interface Round {
  tps: number;
  p50: number;
  p99: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** Runs `clients` closed loops for `seconds`; each loop owns its aggregates, so no version conflicts. */
async function closedLoop(clients: number, seconds: number, versions: number[][], one: (client: number, widgetId: string, loaded: number) => Promise<void>): Promise<Round> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const a = i % AGGREGATES_PER_CLIENT;
        const started = performance.now();
        await one(client, `w-${client}-${a}`, versions[client][a]);
        versions[client][a]++;
        latencies.push(performance.now() - started);
        done++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { tps: done / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function benchSettings(dbUrl: string, prefix: string, role: 'api' | 'worker' | 'all'): Settings {
  return loadSettings({
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DATABASE_URL: dbUrl,
    REDIS_PREFIX: prefix,
    RCP_ROLE: role,
  });
}

interface LatencyResult {
  topology: string;
  achievedRate: number;
  latencies: number[];
  missing: number;
  relayP50: number;
  relayP99: number;
  deliveryP50: number;
  deliveryP99: number;
  elu: number;
}

/**
 * Commands at a steady rate from 8 producers (each on its own aggregates), then waits until the outbox
 * and the deliveries are drained and joins commit times with handler-call times.
 */
async function pacedRun(
  app: NestFastifyApplication,
  dbUrl: string,
  versions: number[][],
  count: number,
  rate: number,
  calls: () => Promise<Map<string, number>>,
): Promise<Omit<LatencyResult, 'topology'>> {
  const commits = new Map<string, number>();
  const interval = 1000 / rate;
  const producers = 8;
  const elu0 = performance.eventLoopUtilization();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      for (let k = 0; ; k++) {
        const i = next++;
        if (i >= count) return;
        const wait = start + i * interval - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const a = k % AGGREGATES_PER_CLIENT;
        await touchWidget(app, `w-${p}-${a}`, versions[p][a], (id) => commits.set(id, wallNow()));
        versions[p][a]++;
      }
    }),
  );
  const produced = performance.now() - start;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const deadline = performance.now() + 30_000;
  let seen = new Map<string, number>();
  await withPg(dbUrl, async (c) => {
    for (;;) {
      const { rows } = await c.query(`SELECT (SELECT count(*) FROM platform.outbox_events) + (SELECT count(*) FROM platform.event_deliveries) AS n`);
      seen = await calls();
      if ((Number(rows[0].n) === 0 && [...commits.keys()].every((id) => seen.has(id))) || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const latencies: number[] = [];
  for (const [id, committed] of commits) {
    const called = seen.get(id);
    if (called !== undefined) latencies.push(called - committed);
  }
  latencies.sort((a, b) => a - b);
  // Where the time goes: outbox insert (just before commit) → relay claim, and relay claim → handler call.
  const logged: Array<{ id: string; recorded: number; published: number }> = await withPg(dbUrl, async (c) =>
    (
      await c.query(
        `SELECT id, EXTRACT(EPOCH FROM recorded_at) * 1000 AS recorded, EXTRACT(EPOCH FROM published_at) * 1000 AS published
         FROM platform.event_log WHERE id = ANY($1::uuid[])`,
        [[...commits.keys()]],
      )
    ).rows,
  );
  const relayPart = logged.map((r) => Number(r.published) - Number(r.recorded)).sort((a, b) => a - b);
  const deliveryPart = logged
    .filter((r) => seen.has(r.id))
    .map((r) => seen.get(r.id)! - Number(r.published))
    .sort((a, b) => a - b);
  return {
    achievedRate: (count / produced) * 1000,
    latencies,
    missing: count - latencies.length,
    relayP50: pct(relayPart, 50),
    relayP99: pct(relayPart, 99),
    deliveryP50: pct(deliveryPart, 50),
    deliveryP99: pct(deliveryPart, 99),
    elu,
  };
}

/** The worker role in a child process (this same file with --worker-child); reports handler calls over IPC. */
async function startWorkerChild(dbUrl: string, prefix: string): Promise<{ calls: () => Promise<Map<string, number>>; stop: () => Promise<void> }> {
  const child = fork(__filename, ['--worker-child', dbUrl, prefix], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, (msg: ChildMessage) => void>();
  child.on('message', (msg: ChildMessage) => waiting.get(msg.kind)?.(msg));
  const ask = (kind: ChildMessage['kind'], request: string) =>
    new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker child did not answer ${request}`)), 60_000);
      waiting.set(kind, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      if (request !== 'start') child.send(request);
    });
  await ask('ready', 'start');
  return {
    calls: async () => new Map((await ask('calls', 'calls') as Extract<ChildMessage, { kind: 'calls' }>).calls),
    stop: async () => {
      await ask('stopped', 'stop').catch(() => child.kill());
    },
  };
}

type ChildMessage = { kind: 'ready' } | { kind: 'calls'; calls: Array<[string, number]> } | { kind: 'stopped' };

async function workerChild(dbUrl: string, prefix: string): Promise<void> {
  const worker = await createApp(benchSettings(dbUrl, prefix, 'worker'), { migrate: false, extraModules: [BenchModule] });
  const relay = worker.get(OutboxRelay);
  while (!relay.isLeader) await new Promise((r) => setTimeout(r, 20));
  process.on('message', async (m: string) => {
    if (m === 'calls') process.send!({ kind: 'calls', calls: [...handlerCalls] });
    if (m === 'stop') {
      await worker.close();
      process.send!({ kind: 'stopped' }, () => process.exit(0));
    }
  });
  process.send!({ kind: 'ready' });
}

async function main(): Promise<void> {
  const name = `rcp_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const prefix = `rcp-bench-${randomBytes(3).toString('hex')}`;
  const log = (m: string) => process.stdout.write(`${m}\n`);
  let app: NestFastifyApplication | undefined;
  try {
    // ---- 1. command path vs raw ------------------------------------------------------------------
    app = await createApp(benchSettings(dbUrl, prefix, 'api'), { extraModules: [BenchModule] });
    await withPg(dbUrl, async (c) => {
      await c.query(`CREATE SCHEMA bench; GRANT USAGE ON SCHEMA bench TO rcp_app;
        CREATE TABLE bench.widgets (id text PRIMARY KEY, version integer NOT NULL, note text NOT NULL);
        GRANT SELECT, INSERT, UPDATE ON bench.widgets TO rcp_app;`);
      await c.query(`INSERT INTO bench.widgets (id, version, note) SELECT 'w-' || c || '-' || a, 0, '' FROM generate_series(0, $1 - 1) c, generate_series(0, $2 - 1) a`, [
        Math.max(CLIENTS, 16),
        AGGREGATES_PER_CLIENT,
      ]);
    });
    const versions = Array.from({ length: Math.max(CLIENTS, 16) }, () => Array(AGGREGATES_PER_CLIENT).fill(0) as number[]);
    const raws: Round[] = [];
    const uows: Round[] = [];
    const rawClients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const c = new Client({ connectionString: dbUrl });
        c.on('error', () => undefined); // the drop at the end may cut it
        await c.connect();
        return c;
      }),
    );
    const reset = () =>
      withPg(dbUrl, async (c) => {
        await c.query(`TRUNCATE platform.outbox_events, platform.audit_log`);
        await c.query(`VACUUM ANALYZE bench.widgets`);
      });
    log(`command path: ${ROUNDS} rounds × (raw ${ROUND_SECONDS} s, UnitOfWork ${ROUND_SECONDS} s), ${CLIENTS} clients`);
    // warm-up both paths
    await closedLoop(CLIENTS, 1, versions, (c, w, v) => rawTouch(rawClients[c], w, v));
    await closedLoop(CLIENTS, 1, versions, (_, w, v) => touchWidget(app!, w, v));
    for (let r = 0; r < ROUNDS; r++) {
      await reset();
      raws.push(await closedLoop(CLIENTS, ROUND_SECONDS, versions, (c, w, v) => rawTouch(rawClients[c], w, v)));
      await reset();
      uows.push(await closedLoop(CLIENTS, ROUND_SECONDS, versions, (_, w, v) => touchWidget(app!, w, v)));
      log(`  round ${r + 1}: raw ${fmt(raws[r].tps, 0)} tx/s, UnitOfWork ${fmt(uows[r].tps, 0)} commands/s`);
    }
    await Promise.all(rawClients.map((c) => c.end()));
    await app.close();
    app = undefined;
    await reset();

    // ---- 2. commit-to-handler latency, in two topologies ------------------------------------------
    const latency: LatencyResult[] = [];
    // (a) production topology: commands in an api-role instance, relay and handlers in a worker process
    app = await createApp(benchSettings(dbUrl, prefix, 'api'), { migrate: false, extraModules: [BenchModule] });
    const worker = await startWorkerChild(dbUrl, prefix);
    try {
      log(`latency (api + worker processes): warm-up 1,000 events, then ${EVENTS.toLocaleString('en')} events at ${RATE}/s`);
      await pacedRun(app, dbUrl, versions, 1000, RATE, () => worker.calls());
      latency.push({ topology: 'api process → worker process', ...(await pacedRun(app, dbUrl, versions, EVENTS, RATE, () => worker.calls())) });
    } finally {
      await worker.stop();
      await app.close();
      app = undefined;
    }
    // (b) one process doing both (RCP_ROLE=all, the default for local use)
    if (process.env.BENCH_SINGLE_PROCESS !== '0') {
      app = await createApp(benchSettings(dbUrl, prefix, 'all'), { migrate: false, extraModules: [BenchModule] });
      log(`latency (one process, RCP_ROLE=all): warm-up 1,000 events, then ${EVENTS.toLocaleString('en')} events at ${RATE}/s`);
      const local = async () => new Map(handlerCalls);
      await pacedRun(app, dbUrl, versions, 1000, RATE, local);
      latency.push({ topology: 'one process (RCP_ROLE=all)', ...(await pacedRun(app, dbUrl, versions, EVENTS, RATE, local)) });
      await app.close();
      app = undefined;
    }

    // ---- report ----------------------------------------------------------------------------------
    const raw = median(raws.map((r) => r.tps));
    const uow = median(uows.map((r) => r.tps));
    const rawRound = raws.find((r) => r.tps === raw)!;
    const uowRound = uows.find((r) => r.tps === uow)!;
    const ratio = uow / raw;
    const [pg] = await withPg(ADMIN_URL, async (c) => (await c.query(`SHOW server_version`)).rows);
    const headline = latency[0];
    const lines = [
      '',
      `| measurement | clients | throughput | p50 ms | p99 ms |`,
      `|---|---:|---:|---:|---:|`,
      `| raw pg: UPDATE … WHERE version + outbox INSERT + audit INSERT | ${CLIENTS} | ${fmt(raw, 0)} tx/s | ${fmt(rawRound.p50, 2)} | ${fmt(rawRound.p99, 2)} |`,
      `| UnitOfWork command (same three writes, RLS scope, envelope) | ${CLIENTS} | ${fmt(uow, 0)} commands/s | ${fmt(uowRound.p50, 2)} | ${fmt(uowRound.p99, 2)} |`,
      `| command path / raw | | **${fmt(ratio, 2)}** (goal ≥ 0.50) | | |`,
      ...latency.map(
        (l) =>
          `| commit → no-op handler, ${l.topology}: ${l.latencies.length.toLocaleString('en')} events at ${fmt(l.achievedRate, 0)}/s | | | ${fmt(pct(l.latencies, 50), 2)} | **${fmt(pct(l.latencies, 99), 2)}** (goal < 50) |`,
      ),
      '',
      `rounds (tx/s): raw ${raws.map((r) => fmt(r.tps, 0)).join(', ')}; UnitOfWork ${uows.map((r) => fmt(r.tps, 0)).join(', ')}`,
      ...latency.map(
        (l) =>
          `${l.topology}: p90 ${fmt(pct(l.latencies, 90), 2)} ms, p99.9 ${fmt(pct(l.latencies, 99.9), 2)} ms, max ${fmt(l.latencies[l.latencies.length - 1], 2)} ms; ` +
          `outbox insert → relay claim p50 ${fmt(l.relayP50, 2)} / p99 ${fmt(l.relayP99, 2)} ms, relay claim → handler p50 ${fmt(l.deliveryP50, 2)} / p99 ${fmt(l.deliveryP99, 2)} ms; ` +
          `producer process event loop busy ${fmt(l.elu * 100, 0)} %; missing ${l.missing}`,
      ),
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pg.server_version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      `goals: command path ${ratio >= 0.5 ? 'MET' : 'MISSED'}; latency (${headline.topology}) ${pct(headline.latencies, 99) < 50 ? 'MET' : 'MISSED'}`,
    ];
    log(lines.join('\n'));
    if (latency.some((l) => l.missing > 0)) process.exitCode = 1;
  } finally {
    await app?.close().catch(() => undefined);
    await withPg(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch((e: Error) => log(`could not drop ${name}: ${e.message}`));
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [n, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = n;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    } catch {
      /* Redis optional for the cleanup */
    } finally {
      redis.disconnect();
    }
  }
}

if (process.argv[2] === '--worker-child') {
  workerChild(process.argv[3], process.argv[4]).catch((err: Error) => {
    process.stderr.write(`bench worker failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: Error) => {
      process.stderr.write(`bench:outbox failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
