/**
 * `npm run bench:drift` — a scheduled sweep of 10,000 environments of 10 services each, reconciled by
 * one worker process (the real application, worker role, JOB_CONCURRENCY jobs at once): the schedule
 * claims due environments and hands them out as `drift.reconcile-batch` jobs of DRIFT_RECONCILE_BATCH,
 * and each environment is reconciled in a savepoint of its batch's transaction, as in production.
 *
 * Two sweeps: the first finds drift in 10 % of the environments (one image mismatch each: 1,000 findings
 * detected and published), the second sees the same drift again (each finding observed once more) while
 * the other 90 % are in sync. Reported per sweep: wall time, environments per second, the time of one
 * environment's reconciliation (p50, p99, measured around the command handler), and the time Postgres
 * spent executing statements of the bench database (`pg_stat_database.active_time`).
 *
 * Baseline in the same run, on the same data: the floor of the same work in raw SQL on `pg` with as many
 * connections as the worker runs jobs: per environment, one transaction with the reconciliation's reads
 * (lock, drift record, the read models' picture, unresolved findings) and the schedule update, and no
 * application logic or writes of findings.
 *
 * The data is written straight into drift's tables (its read models as inventory's events would leave
 * them, each environment's newest desired state and schedule). Knobs: BENCH_ENVIRONMENTS (10000),
 * BENCH_SERVICES (10).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { ReconcileEnvironmentHandler } from '../src/contexts/drift/application/commands/reconcile-environment/reconcile-environment.handler';
import { DriftScheduler } from '../src/contexts/drift/application/drift-scheduler';
import { createApp } from '../src/bootstrap';
import { BenchDatabase, runBench } from './support';

const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 10_000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 10);
const TENANTS = 100;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (x: number) => x.toFixed(2);

async function seed(owner: Client): Promise<void> {
  const services = `(SELECT jsonb_agg(jsonb_build_object('name', 'svc-' || s, 'image', 'registry.example/svc-' || s || ':1.0.0', 'replicas', 2, 'configChecksum', NULL) ORDER BY s) FROM generate_series(0, ${SERVICES - 1}) s)`;
  await owner.query(`
    CREATE TEMP TABLE bench_envs AS
      SELECT gen_random_uuid() AS id, 'tenant-' || (i % ${TENANTS}) AS tenant, i FROM generate_series(1, ${ENVIRONMENTS}) i;
    INSERT INTO drift.environments (environment_id, tenant_id, project_id, state, source_version) SELECT id, tenant, 'web', 'ready', 3 FROM bench_envs;
    INSERT INTO drift.services (environment_id, service, tenant_id, image, replicas, ready_replicas, config_checksum, observed_at, removed, source_version)
      SELECT e.id, 'svc-' || s, e.tenant, 'registry.example/svc-' || s || CASE WHEN s = 3 AND e.i % 10 = 0 THEN ':0.9.0' ELSE ':1.0.0' END, 2, 2, NULL, now(), false, 1
      FROM bench_envs e, generate_series(0, ${SERVICES - 1}) s;
    INSERT INTO drift.environment_drift (environment_id, tenant_id, project_id, policy, policy_version, desired, last_reconciliation, created_at, updated_at, version)
      SELECT id, tenant, 'web', '{"mode":"manual","allow":["reapply","redeploy","rollback"],"windows":[],"reconcileIntervalSeconds":null}', 0,
             jsonb_build_object('id', gen_random_uuid(), 'source', jsonb_build_object('repository', 'https://git.example.com/fleet.git', 'revision', repeat('a', 40), 'path', 'envs/' || i),
                                'services', ${services}, 'observedAt', now(), 'recordedAt', now(), 'recordedBy', 'bench', 'digest', md5(id::text)),
             NULL, now(), now(), 1
      FROM bench_envs;
    INSERT INTO drift.schedule (environment_id, tenant_id, project_id, interval_seconds, next_at) SELECT id, tenant, 'web', NULL, 'infinity' FROM bench_envs;
    ANALYZE;`);
}

async function activeMs(owner: Client, db: string): Promise<number> {
  const { rows } = await owner.query(`SELECT active_time FROM pg_stat_database WHERE datname = $1`, [db]);
  return Number(rows[0].active_time);
}

/** One sweep through the product: every environment made due, the schedule's hand-out, the worker's batch jobs, until each was reconciled. */
async function sweep(owner: Client, db: string, scheduler: DriftScheduler, perEnv: number[]): Promise<string> {
  perEnv.length = 0;
  await owner.query(`UPDATE drift.schedule SET next_at = now(), claimed_until = NULL`);
  await owner.query(`SELECT pg_stat_clear_snapshot()`);
  const pgBefore = await activeMs(owner, db);
  const started = new Date();
  const t0 = performance.now();
  await scheduler.handOut();
  for (;;) {
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM drift.schedule WHERE last_reconciled_at >= $1`, [started]);
    if (rows[0].n >= ENVIRONMENTS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const wall = (performance.now() - t0) / 1000;
  await owner.query(`SELECT pg_stat_clear_snapshot()`);
  await new Promise((r) => setTimeout(r, 600)); // the statistics collector reports every 500 ms
  const pg = ((await activeMs(owner, db)) - pgBefore) / 1000;
  return `| ${wall.toFixed(1)} s | ${Math.round(ENVIRONMENTS / wall)} | ${ms(pct(perEnv, 0.5))} | ${ms(pct(perEnv, 0.99))} | ${pg.toFixed(1)} s |`;
}

/** The floor: the same reads and the schedule update per environment in raw SQL, as many connections as the worker runs jobs. */
async function baseline(url: string, connections: number, ids: string[]): Promise<string> {
  const clients = await Promise.all(Array.from({ length: connections }, async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  const perEnv: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = next++; i < ids.length; i = next++) {
        const s = performance.now();
        await c.query('BEGIN');
        await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7263300))`, [ids[i]]);
        await c.query(`SELECT * FROM drift.environment_drift WHERE environment_id = $1`, [ids[i]]);
        await c.query(
          `SELECT (SELECT coalesce(json_agg(s), '[]') FROM (SELECT service, image, replicas, ready_replicas, config_checksum, observed_at FROM drift.services WHERE environment_id = $1 AND NOT removed) s) AS services,
                  (SELECT coalesce(json_agg(h), '[]') FROM drift.service_health h WHERE environment_id = $1) AS health,
                  (SELECT coalesce(json_agg(c), '[]') FROM drift.scaling c WHERE environment_id = $1) AS scaling,
                  (SELECT coalesce(json_agg(r), '[]') FROM drift.releases r WHERE environment_id = $1) AS releases`,
          [ids[i]],
        );
        await c.query(`SELECT * FROM drift.findings WHERE environment_id = $1 AND state <> 'resolved'`, [ids[i]]);
        await c.query(`UPDATE drift.schedule SET next_at = now() + interval '180 seconds', claimed_until = NULL, last_reconciled_at = now() WHERE environment_id = $1`, [ids[i]]);
        await c.query('COMMIT');
        perEnv.push(performance.now() - s);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return `| ${wall.toFixed(1)} s | ${Math.round(ids.length / wall)} | ${ms(pct(perEnv, 0.5))} | ${ms(pct(perEnv, 0.99))} | – |`;
}

runBench(
  async ({ name, settings }: BenchDatabase) => {
    const app = await createApp(settings);
    const url = settings.DATABASE_URL;
    const owner = new Client({ connectionString: url });
    await owner.connect();
    try {
      // Time each environment's reconciliation where the worker runs it.
      const perEnv: number[] = [];
      const original = ReconcileEnvironmentHandler.prototype.execute;
      ReconcileEnvironmentHandler.prototype.execute = async function (this: ReconcileEnvironmentHandler, ...args) {
        const s = performance.now();
        try {
          return await original.apply(this, args);
        } finally {
          perEnv.push(performance.now() - s);
        }
      };
      const t0 = performance.now();
      await seed(owner);
      const seeded = ((performance.now() - t0) / 1000).toFixed(1);
      const scheduler = app.get(DriftScheduler);
      const first = await sweep(owner, name, scheduler, perEnv);
      const [{ n: detected }] = (await owner.query(`SELECT count(*)::int AS n FROM drift.findings`)).rows;
      const second = await sweep(owner, name, scheduler, perEnv);
      const [{ occ }] = (await owner.query(`SELECT min(occurrences)::int AS occ FROM drift.findings`)).rows;
      const ids = (await owner.query(`SELECT environment_id FROM drift.schedule`)).rows.map((r: { environment_id: string }) => r.environment_id);
      const floor = await baseline(url, settings.JOB_CONCURRENCY, ids);
      return [
        `bench:drift — ${ENVIRONMENTS} environments × ${SERVICES} services (${TENANTS} tenants), one worker process, JOB_CONCURRENCY=${settings.JOB_CONCURRENCY}, batches of ${settings.DRIFT_RECONCILE_BATCH}; seeded in ${seeded} s; load average ${loadavg()[0].toFixed(2)}`,
        '',
        '| run | sweep | environments/s | per environment p50 ms | p99 ms | Postgres active time |',
        '|---|---:|---:|---:|---:|---:|',
        `| first sweep: ${detected} findings detected and published ${first}`,
        `| second sweep: the same drift seen again (occurrences ${occ}) ${second}`,
        `| baseline: the same reads and schedule update in raw SQL on pg, ${settings.JOB_CONCURRENCY} connections ${floor}`,
      ];
    } finally {
      await owner.end();
      await app.close();
    }
  },
  { RCP_ROLE: 'worker', DRIFT_RECONCILE_INTERVAL_SECONDS: '180', HEALTH_PULL_INTERVAL_SECONDS: '0', ACTUAL_STATE_PULL_INTERVAL_SECONDS: '0' },
);
