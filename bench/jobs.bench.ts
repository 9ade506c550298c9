/**
 * `npm run bench:jobs` — what a page of `GET /v1/jobs` costs as the job ledger grows from 10k to 100k
 * jobs, with the list indexes (migration JobsListIndexes) and, in the same run on the same data,
 * without them (the migration's `down`, i.e. the schema before it).
 *
 * For each size and schema it measures, sequentially (one request at a time, so the figure is the
 * query's cost and not queueing), five listings:
 *   - platform token: all jobs; all jobs by state (`dead_letter`)
 *   - tenant token (the largest tenant, 30 % of the jobs): its jobs; its jobs by state (`completed`)
 *   - the same tenant's second page onward: a cursor from the middle of its jobs
 *   - a small tenant (one of 97 sharing the other 70 %): its jobs
 * each as HTTP latency of the real endpoint (JWT, RLS transaction, serialization) and as the time of
 * its SQL statement alone (`EXPLAIN ANALYZE` execution time).
 *
 * The data: 98 tenants, one of them with 30 % of the jobs; 93 % completed, the rest failed,
 * dead-lettered, queued, running or retrying; one job a second. The table is `VACUUM (ANALYZE)`d after
 * every load (autovacuum is off on the development machine; production's would do this).
 *
 * Starts the real application (`createApp`, api role, logs off) on a fresh database
 * `rcp_bench_<random>`, dropped at the end. Knobs: BENCH_REPEAT (40 requests per listing),
 * BENCH_SIZES (`10000,100000`).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { signLocalToken } from '../libs/auth/src/token-factory';
import { listJobsQuery } from '../libs/jobs/src/jobs.controller';
import { Actor } from '../libs/observability/src';
import { TransactionManager, scopeOf } from '../libs/persistence/src';
import { JobsListIndexes1764000011700 } from '../migrations/1764000011700-jobs-list-indexes';
import { createApp } from '../src/bootstrap';
import { BenchDatabase, runBench } from './support';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 40);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const BIG = 'tenant-big';

type OwnerQuery = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

/** Adds jobs until the ledger holds `total`, continuing the one-a-second timeline. */
/** `owner`: runs one statement as the database's owner (VACUUM needs it) and returns its rows. */
async function growTo(owner: OwnerQuery, total: number): Promise<void> {
  const [{ n }] = await owner(`SELECT count(*)::int AS n FROM platform.jobs`);
  await owner(
    `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts, project_id, created_at, updated_at, run_at, finished_at)
     SELECT gen_random_uuid(), CASE WHEN i % 10 < 3 THEN '${BIG}' ELSE 'tenant-' || (100 + i % 97) END, 'inventory.provision-environment',
            CASE WHEN i / 10 % 100 < 93 THEN 'completed' WHEN i / 10 % 100 < 95 THEN 'failed' WHEN i / 10 % 100 < 96 THEN 'dead_letter'
                 WHEN i / 10 % 100 < 98 THEN 'queued' WHEN i / 10 % 100 < 99 THEN 'running' ELSE 'retrying' END,
            5, CASE WHEN i % 3 = 0 THEN 'web' END, at, at, at, at + interval '1 second'
     FROM generate_series($1::int + 1, $2::int) i, LATERAL (SELECT timestamptz '2026-01-01' + (i || ' seconds')::interval AS at) a`,
    [n, total],
  );
  await owner(`VACUUM (ANALYZE) platform.jobs`);
}

interface Listing {
  name: string;
  actor: Actor;
  token: string;
  query: Record<string, string>;
  state?: string;
  after?: { t: string; id: string };
}

async function main({ name: db, settings }: BenchDatabase): Promise<string[]> {
  const out: string[] = [];
  {
    const app = await createApp(settings);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const ds = app.get(DataSource);
    const tx = app.get(TransactionManager);
    const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE);
    const platformActor: Actor = { sub: 'ops', kind: 'user', tenantId: null, roles: ['platform:viewer'] };
    const tenantActor: Actor = { sub: 'dev', kind: 'user', tenantId: BIG, roles: ['tenant:viewer'] };
    const platformToken = sign({ roles: ['platform:viewer'], sub: 'ops' });
    const tenantToken = sign({ tenantId: BIG, roles: ['tenant:viewer'], sub: 'dev' });
    const smallActor: Actor = { sub: 'dev', kind: 'user', tenantId: 'tenant-100', roles: ['tenant:viewer'] };
    const smallToken = sign({ tenantId: 'tenant-100', roles: ['tenant:viewer'], sub: 'dev' });

    const listings = async (): Promise<Listing[]> => {
      const [mid] = await ds.query(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t, id FROM platform.jobs WHERE tenant_id = $1
         ORDER BY created_at DESC, id DESC OFFSET (SELECT count(*) / 2 FROM platform.jobs WHERE tenant_id = $1) LIMIT 1`,
        [BIG],
      );
      const cursor = Buffer.from(JSON.stringify({ id: mid.id, t: mid.t })).toString('base64url');
      return [
        { name: 'platform: all jobs', actor: platformActor, token: platformToken, query: {} },
        { name: 'platform: state=dead_letter', actor: platformActor, token: platformToken, query: { state: 'dead_letter' }, state: 'dead_letter' },
        { name: 'tenant: its jobs', actor: tenantActor, token: tenantToken, query: {} },
        { name: 'tenant: state=completed', actor: tenantActor, token: tenantToken, query: { state: 'completed' }, state: 'completed' },
        { name: 'tenant: page from the middle (cursor)', actor: tenantActor, token: tenantToken, query: { cursor }, after: mid },
        { name: 'small tenant (0.7 % of the jobs): its jobs', actor: smallActor, token: smallToken, query: {} },
      ];
    };

    const measure = async (l: Listing): Promise<{ http: number[]; sql: number[] }> => {
      const http: number[] = [];
      const sql: number[] = [];
      const url = `${base}/v1/jobs?${new URLSearchParams({ limit: '50', ...l.query })}`;
      for (let i = 0; i < REPEAT + 3; i++) {
        const t0 = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${l.token}` } });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - t0;
        if (res.status !== 200 || !body.items?.length) throw new Error(`${l.name}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        const q = listJobsQuery(l.actor, { state: l.state, after: l.after, limit: 50 });
        const [row] = await tx.run((m) => m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.params), scopeOf(l.actor));
        if (i >= 3) {
          http.push(ms); // the first three are warm-up
          sql.push((row['QUERY PLAN'] as Array<{ 'Execution Time': number }>)[0]['Execution Time']);
        }
      }
      return { http, sql };
    };

    // Schema changes and VACUUM need the owner, not the app's login.
    const ownerClient = new Client({ connectionString: settings.DATABASE_URL });
    await ownerClient.connect();
    const owner: OwnerQuery = async (sql, params) => (await ownerClient.query(sql, params)).rows;
    const migration = new JobsListIndexes1764000011700();
    const runner = { query: (sql: string) => owner(sql) } as unknown as QueryRunner;
    const results = new Map<string, string[]>();
    for (const size of SIZES) {
      await growTo(owner, size);
      for (const schema of ['with list indexes', 'before (no list indexes)'] as const) {
        if (schema !== 'with list indexes') await migration.down(runner);
        await owner(`ANALYZE platform.jobs`);
        for (const l of await listings()) {
          const { http, sql } = await measure(l);
          const key = `${l.name} | ${schema}`;
          results.set(key, [
            ...(results.get(key) ?? []),
            `${median(sql).toFixed(2)} / ${p95(sql).toFixed(2)}`,
            `${median(http).toFixed(1)} / ${p95(http).toFixed(1)}`,
          ]);
        }
        if (schema !== 'with list indexes') await migration.up(runner);
      }
    }
    await ownerClient.end();
    await app.close();

    out.push(`bench:jobs — ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${REPEAT} requests per listing`);
    out.push(`SQL = statement execution time (EXPLAIN ANALYZE), HTTP = GET /v1/jobs?limit=50 round trip; each p50 / p95 in ms`);
    const head = SIZES.flatMap((s) => [`SQL ${s / 1000}k`, `HTTP ${s / 1000}k`]);
    out.push(`| listing | schema | ${head.join(' | ')} |`);
    out.push(`|---|---|${head.map(() => '---:').join('|')}|`);
    for (const [key, cells] of results) out.push(`| ${key} | ${cells.join(' | ')} |`);
  }
  return out;
}

runBench(main);
