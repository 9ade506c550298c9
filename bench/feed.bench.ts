/**
 * `npm run bench:feed` — what a tenant's feed poll and a tenant's list cost on a large event log (300k
 * events over 100 tenants, 100k jobs), with the tenant named in the statement (`readScopeConditions`,
 * what the endpoints send) and, in the same run on the same data, the statement without it (row-level
 * security alone: the form before issue 9).
 *
 * Listings, each measured sequentially (one request at a time, so the figure is the query's cost and not
 * queueing) as the HTTP round trip of the real endpoint (JWT, RLS transaction, serialization) and as
 * the execution time of its SQL statement alone (`EXPLAIN ANALYZE`), with the plan's scans of the table:
 *   - a tenant's caught-up feed poll: after its newest event, with 15k events of other tenants since;
 *   - a tenant's first feed page (from the start);
 *   - a platform token's caught-up poll (after the head of the log);
 *   - a tenant's first page of `GET /v1/jobs`.
 * The other forms of a statement are measured as SQL only (the endpoint always sends the condition):
 *   - RLS alone: the tenant not named, row-level security's role-based policy (`tenant_id = <setting>`)
 *     the only filter, as on main before issue 9's read-side change;
 *   - legacy OR policy (feed only): the policy the log had before the role-based policies (migration
 *     1764000002500), `rcp.platform = 'on' OR tenant_id = <setting>`, written into the statement: the
 *     form the review measured.
 *
 * Starts the real application (`createApp`, api role, logs off, a random JWT_SECRET) on a fresh database
 * `rcp_bench_<random>`, dropped at the end. Knobs: BENCH_REPEAT (40 per listing), BENCH_EVENTS (300000).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { signLocalToken } from '../libs/auth/src/token-factory';
import { Keyset } from '../libs/http/src/pagination';
import { listJobsQuery } from '../libs/jobs/src/jobs.controller';
import { feedQuery } from '../libs/messaging/src/events.controller';
import { Actor } from '../libs/observability/src';
import { TransactionManager, scopeOf } from '../libs/persistence/src';
import { LEGACY_TENANT_PREDICATE } from '../migrations/rls';
import { PlanNode, planNodes } from '../libs/testing/src/query-plan';
import { createApp } from '../src/bootstrap';
import { BenchDatabase, runBench } from './support';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 40);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const JOBS = 100_000;
const TENANTS = 100;
/** tenant-7 wrote nothing in the newest 5 % of the log, while the others went on. */
const QUIET_FROM = Math.floor(EVENTS * 0.95);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];


interface Listing {
  name: string;
  actor: Actor;
  token: string;
  url: string;
  table: string;
  statement: (actor: Actor) => { sql: string; params: unknown[] };
}

async function main({ name: db, settings }: BenchDatabase): Promise<string[]> {
  const out: string[] = [];
  {
    const app = await createApp(settings);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const tx = app.get(TransactionManager);
    const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE);

    // The data, as the owner (the app's logins may not write the log).
    const owner = new Client({ connectionString: settings.DATABASE_URL });
    await owner.connect();
    await owner.query(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
       SELECT i, gen_random_uuid(), 'tenant-' || CASE WHEN i % ${TENANTS} = 7 AND i > ${QUIET_FROM} THEN 8 ELSE i % ${TENANTS} END,
              'rcp.inventory.environment-ready.v1', 'RuntimeEnvironment', 'env-' || (i % 5000), i / 5000 + 1,
              jsonb_build_object('specversion', '1.0', 'id', i::text, 'type', 'rcp.inventory.environment-ready.v1', 'source', '/bench', 'data', '{}'::jsonb), now()
       FROM generate_series(1, ${EVENTS}) i`,
    );
    await owner.query(
      `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts, created_at, updated_at, run_at, finished_at)
       SELECT gen_random_uuid(), 'tenant-' || (i % ${TENANTS}), 'inventory.provision-environment', 'completed', 5, at, at, at, at + interval '1 second'
       FROM generate_series(1, ${JOBS}) i, LATERAL (SELECT timestamptz '2026-01-01' + (i || ' seconds')::interval AS at) a`,
    );
    await owner.query(`VACUUM (ANALYZE) platform.event_log`);
    await owner.query(`VACUUM (ANALYZE) platform.jobs`);
    const [{ tenantHead, logHead }] = (
      await owner.query(`SELECT max(position) FILTER (WHERE tenant_id = 'tenant-7')::int AS "tenantHead", max(position)::int AS "logHead" FROM platform.event_log`)
    ).rows;
    await owner.end();

    const feedCursor = new Keyset({ p: 'position' });
    const tenant: Actor = { sub: 'dev', kind: 'user', tenantId: 'tenant-7', roles: ['tenant:viewer'] };
    const tenantToken = sign({ tenantId: 'tenant-7', roles: ['tenant:viewer'], sub: 'dev' });
    const platform: Actor = { sub: 'ops', kind: 'user', tenantId: null, roles: ['platform:viewer'] };
    const platformToken = sign({ roles: ['platform:viewer'], sub: 'ops' });
    const feed = (after: number) => (actor: Actor) => feedQuery(actor, { after, limit: 50 });
    const listings: Listing[] = [
      {
        name: "tenant's caught-up feed poll",
        actor: tenant,
        token: tenantToken,
        url: `/v1/events?limit=50&after=${feedCursor.encode({ p: tenantHead })}`,
        table: 'event_log',
        statement: feed(tenantHead),
      },
      { name: "tenant's first feed page", actor: tenant, token: tenantToken, url: '/v1/events?limit=50', table: 'event_log', statement: feed(0) },
      {
        name: "platform's caught-up feed poll",
        actor: platform,
        token: platformToken,
        url: `/v1/events?limit=50&after=${feedCursor.encode({ p: logHead })}`,
        table: 'event_log',
        statement: feed(logHead),
      },
      { name: "tenant's jobs, first page", actor: tenant, token: tenantToken, url: '/v1/jobs?limit=50', table: 'jobs', statement: (a) => listJobsQuery(a, { limit: 50 }) },
    ];

    /**
     * The feed's statement as row-level security filtered it before the role-based policies (migration
     * 1764000002500): the policy's `OR` written into the statement, run where no other policy applies.
     */
    const legacyFeed = (l: Listing) => (): { sql: string; params: unknown[] } => {
      const q = l.statement({ ...l.actor, tenantId: null });
      const sql = q.sql
        .replace('WHERE position > $1', `WHERE position > $1 AND ${LEGACY_TENANT_PREDICATE}`)
        .replace(/FROM platform\.event_log\s*\n(\s*)\)/, `FROM platform.event_log WHERE ${LEGACY_TENANT_PREDICATE}\n$1)`);
      return { sql, params: q.params };
    };

    const explain = async (l: Listing, actor: Actor, legacy = false): Promise<{ ms: number; scans: string }> => {
      const q = legacy ? legacyFeed(l)() : l.statement(actor);
      const scope = legacy ? { tenantId: l.actor.tenantId, platform: true } : scopeOf(l.actor);
      const [row] = await tx.run((m) => m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.params), scope);
      const [plan] = row['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time': number }>;
      const scans = planNodes(plan.Plan)
        .filter((n) => n['Relation Name'] === l.table)
        .map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
      return { ms: plan['Execution Time'], scans: [...new Set(scans)].join(', ') };
    };

    const rows: string[] = [];
    for (const l of listings) {
      const http: number[] = [];
      for (let i = 0; i < REPEAT + 3; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}${l.url}`, { headers: { authorization: `Bearer ${l.token}` } });
        await res.json();
        if (res.status !== 200) throw new Error(`${l.name}: ${res.status}`);
        if (i >= 3) http.push(performance.now() - t0); // the first three are warm-up
      }
      // The same statement as the endpoint sends, and the same without the tenant named (RLS alone).
      const forms: Array<[string, Actor, boolean]> = l.actor.tenantId
        ? [
            ['tenant named', l.actor, false],
            ['RLS alone', { ...l.actor, tenantId: null }, false],
            ...(l.table === 'event_log' ? [['legacy OR policy', l.actor, true] as [string, Actor, boolean]] : []),
          ]
        : [['as sent', l.actor, false]];
      for (const [form, asActor, legacy] of forms) {
        const sql: number[] = [];
        let scans = '';
        for (let i = 0; i < REPEAT + 3; i++) {
          const e = await explain(l, asActor, legacy);
          scans = e.scans;
          if (i >= 3) sql.push(e.ms);
        }
        const httpCell = form !== 'tenant named' && form !== 'as sent' ? '–' : `${median(http).toFixed(1)} / ${p95(http).toFixed(1)}`;
        rows.push(`| ${l.name} | ${form} | ${median(sql).toFixed(2)} / ${p95(sql).toFixed(2)} | ${httpCell} | ${scans} |`);
      }
    }
    await app.close();

    out.push(`bench:feed — ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${EVENTS} events and ${JOBS} jobs over ${TENANTS} tenants, ${REPEAT} runs per listing`);
    out.push(`SQL = statement execution time (EXPLAIN ANALYZE), HTTP = round trip of the endpoint; each p50 / p95 in ms`);
    out.push(`| listing | statement | SQL | HTTP | scans of the table |`);
    out.push(`|---|---|---:|---:|---|`);
    out.push(...rows);
  }
  return out;
}

runBench(main);
