/**
 * `npm run bench:api` — HTTP throughput and latency of the authenticated API, next to a bare Fastify
 * route measured in the same run on the same machine (autocannon, loopback only, bounded duration).
 *
 *   1. bare Fastify: GET /ping → {"ok":true}                      (the ceiling of this machine)
 *   1b. the same route doing one `SELECT 1` on a pg pool            (the cost of any database round trip)
 *   2. authenticated GET /v1/tenants/{id} with a tenant token      (JWT, role check, lifecycle gate, RLS read)
 *   3. authenticated idempotent POST /v1/tenants: a new tenant per request, each with its own Idempotency-Key
 *      (a command: state + outbox + audit in one transaction, then relayed to the feed)
 *
 * Goal (issue 4): (2) keeps at least a third of (1)'s requests/s, p99 under 25 ms at 50 connections.
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { signLocalToken } from '../libs/auth/src/token-factory';
import { loadSettings } from '../libs/config/src/settings';
import { createApp } from '../src/bootstrap';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(name: string, opts: autocannon.Options): Promise<Row> {
  const r = await autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

async function main(): Promise<void> {
  const db = `rcp_bench_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  const rows: Row[] = [];
  try {
    // 1. bare Fastify
    const bare = Fastify();
    bare.get('/ping', async () => ({ ok: true }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const barePort = (bare.server.address() as { port: number }).port;
    rows.push(await run('bare Fastify GET', { url: `http://127.0.0.1:${barePort}/ping` }));
    await bare.close();

    // 1b. the same bare route plus a single Postgres round trip (what any database read costs here)
    const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 10 });
    const withDb = Fastify();
    withDb.get('/ping', async () => (await pool.query('SELECT 1 AS ok')).rows[0]);
    await withDb.listen({ port: 0, host: '127.0.0.1' });
    rows.push(await run('bare Fastify GET + one pg query', { url: `http://127.0.0.1:${(withDb.server.address() as { port: number }).port}/ping` }));
    await withDb.close();
    await pool.end();

    // 2-3. the product, one process with both roles, logs off
    const settings = loadSettings({
      ...process.env,
      JWT_SECRET: process.env.JWT_SECRET || randomBytes(32).toString('base64url'),
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${db}`,
      REDIS_PREFIX: `rcp-bench-${db}`,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      DB_POOL_SIZE: '20',
    });
    const app = await createApp(settings);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.getHttpServer().address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE);
    const platform = sign({ roles: ['platform:admin'] });
    const tenant = sign({ tenantId: 'bench', roles: ['tenant:viewer'] });
    const quotas = { maxEnvironments: 5, maxServicesPerEnvironment: 5, maxReplicasPerService: 5, maxTotalReplicas: 50 };
    const created = await fetch(`${base}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'bench', displayName: 'Bench', isolationMode: 'shared', quotas }),
    });
    if (created.status !== 201) throw new Error(`could not onboard the bench tenant: ${created.status} ${await created.text()}`);

    rows.push(await run('authenticated GET /v1/tenants/{id}', { url: `${base}/v1/tenants/bench`, headers: { authorization: `Bearer ${tenant}` } }));

    let n = 0;
    rows.push(
      await run('authenticated idempotent POST /v1/tenants', {
        url: `${base}/v1/tenants`,
        method: 'POST',
        headers: { authorization: `Bearer ${platform}`, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req: autocannon.Request) => {
              n += 1;
              const id = `t-${n}-${randomUUID().slice(0, 6)}`;
              return {
                ...req,
                headers: { ...req.headers, 'idempotency-key': `bench-${id}` },
                body: JSON.stringify({ id, displayName: `Tenant ${n}`, isolationMode: 'pooled', quotas }),
              };
            },
          },
        ],
      }),
    );
    await app.close();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }

  const bareRps = rows[0].rps;
  console.log(`\nbench:api — ${CONNECTIONS} connections, ${DURATION} s each, ${new Date().toISOString()}`);
  console.log('| scenario | req/s | vs bare | p50 ms | p99 ms | errors | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.rps} | ${((r.rps / bareRps) * 100).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
