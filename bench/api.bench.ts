/**
 * `npm run bench:api` — the authenticated API next to baselines measured in the same run on the same
 * machine: autocannon (in this process) against a server process (bench/api-server.ts) that serves both
 * the baselines and the real application, so the server's CPU time per request can be read for each
 * scenario from /proc/<pid>/stat.
 *
 * Baselines (bare Fastify on a plain `pg` pool, no auth, no Nest, no TypeORM):
 *   - GET /ping, and GET with one `SELECT 1` (the cost of any database round trip);
 *   - the same raw SQL as each product scenario: one tenant, a page of 50 environments, a feed page,
 *     an actual-state report that changes nothing, a create (aggregate + outbox + audit in one transaction).
 * Product scenarios (JWT, rate limits, lifecycle gate, row-level security, ETag, idempotency, audit):
 *   - GET /v1/tenants/{id} with a tenant token;
 *   - GET /v1/environments?limit=50;
 *   - GET /v1/events?limit=50 (a feed page);
 *   - PUT /v1/environments/{id}/actual-state by the environment's agent, nothing changed (each connection
 *     reports for an environment of its own, as agents do);
 *   - POST /v1/tenants, a new tenant with its own Idempotency-Key per request.
 *
 * Goals (issue 19): GET one resource ≥ 50 % of "+ one pg query" with p99 ≤ 25 ms; the agent PUT ≥ 40 %
 * of "+ one pg query"; the create ≥ 50 % of its raw transaction. Knobs: BENCH_SECONDS (10),
 * BENCH_CONNECTIONS (50), BENCH_ONLY (comma-separated scenario keys), BENCH_PROFILE (a directory: a CPU
 * profile of the server process during each scenario; `node scripts/profile-summary.js <file>` sums it).
 */
import autocannon from 'autocannon';
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { signLocalToken } from '../libs/auth/src/token-factory';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
/** A directory: the server's CPU profile of each scenario is written there as `<key>.cpuprofile`. */
const PROFILE = process.env.BENCH_PROFILE;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS = 100;

interface Row {
  key: string;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuMsPerRequest: number;
  baseline?: string;
}

interface ServerInfo {
  barePort: number;
  appPort: number;
  jwt: { secret: string; issuer: string; audience: string };
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

async function main(): Promise<void> {
  const db = `rcp_bench_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  let server: ChildProcess | undefined;
  const rows: Row[] = [];
  try {
    server = fork(join(__dirname, 'api-server.ts'), [], {
      env: { ...process.env, BENCH_DB: db },
      execArgv: [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const info = await new Promise<ServerInfo>((resolve, reject) => {
      server!.once('message', (m) => resolve(m as ServerInfo));
      server!.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before it was ready`)));
    });
    const pid = server.pid!;
    const bare = `http://127.0.0.1:${info.barePort}`;
    const base = `http://127.0.0.1:${info.appPort}`;
    const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, info.jwt.secret, info.jwt.issuer, info.jwt.audience);
    const platform = sign({ roles: ['platform:admin'] });
    const viewer = sign({ tenantId: 'bench', roles: ['tenant:viewer'] });
    const tenantAdmin = sign({ tenantId: 'bench', roles: ['tenant:admin'] });
    const call = async (method: string, path: string, token: string, body?: unknown, expect = [200, 201, 202]) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };

    // The data: a tenant with 50 ready environments, each with its agent and one reported service.
    const quotas = { maxEnvironments: 60, maxServicesPerEnvironment: 5, maxReplicasPerService: 5, maxTotalReplicas: 500 };
    await call('POST', '/v1/tenants', platform, { id: 'bench', displayName: 'Bench', isolationMode: 'shared', quotas });
    const envIds: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const env = await call('POST', '/v1/environments', tenantAdmin, { name: `env-${i}`, projectId: 'bench-project', type: 'development', region: 'eu-west-1' });
      envIds.push(env.id);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const page = await call('GET', '/v1/environments?limit=200&state=ready', tenantAdmin);
      if (page.items.length >= envIds.length) break;
      if (Date.now() > deadline) throw new Error(`only ${page.items.length} of ${envIds.length} environments became ready`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const services = [{ name: 'web', image: 'registry.example/web:1.0.0', replicas: 2, readyReplicas: 2, configChecksum: null }];
    const agentTokens: string[] = [];
    for (const envId of envIds) {
      const enrollment = await call('POST', `/v1/environments/${envId}/agent-enrollments`, tenantAdmin, {});
      const key = await call('POST', '/v1/agent-enrollments/redeem', enrollment.token);
      const token = await call('POST', '/v1/agent-tokens', key.key);
      agentTokens.push(token.token);
      await call('PUT', `/v1/environments/${envId}/actual-state`, token.token, { observedAt: new Date().toISOString(), services });
    }

    /** Asks the server for something and waits for its answer (profiling). */
    const ask = (message: object, answer: string) =>
      new Promise<void>((resolve) => {
        const on = (m: Record<string, unknown>) => {
          if (!(answer in m)) return;
          server!.off('message', on);
          resolve();
        };
        server!.on('message', on);
        server!.send(message);
      });
    const scenario = async (key: string, name: string, opts: autocannon.Options, baseline?: string): Promise<void> => {
      if (ONLY && !ONLY.includes(key)) return;
      if (PROFILE) await ask({ profileStart: true }, 'profiling');
      const before = cpuMs(pid);
      const r = await autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
      const spent = cpuMs(pid) - before;
      if (PROFILE) await ask({ profileStop: join(PROFILE, `${key}.cpuprofile`) }, 'profiled');
      rows.push({
        key,
        name,
        rps: Math.round(r.requests.average),
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        cpuMsPerRequest: r.requests.total ? spent / r.requests.total : 0,
        baseline,
      });
    };
    /** Each connection reports for an environment of its own, with an observation time that only moves on. */
    const report = (path: (i: number) => string): autocannon.Request[] => [
      {
        setupRequest: (req: autocannon.Request, context: Record<string, unknown>) => {
          if (context.env === undefined) context.env = (nextEnv++ % envIds.length) as number;
          const i = context.env as number;
          return {
            ...req,
            path: path(i),
            headers: { ...req.headers, authorization: `Bearer ${agentTokens[i]}`, 'content-type': 'application/json' },
            body: JSON.stringify({ observedAt: new Date().toISOString(), services }),
          };
        },
      },
    ];
    let nextEnv = 0;
    let n = 0;
    const newTenant = (req: autocannon.Request): autocannon.Request => {
      n += 1;
      const id = `t-${n}-${randomUUID().slice(0, 6)}`;
      return { ...req, headers: { ...req.headers, 'idempotency-key': `bench-${id}` }, body: JSON.stringify({ id, displayName: `Tenant ${n}`, isolationMode: 'pooled', quotas }) };
    };
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    await scenario('bare', 'bare Fastify GET', { url: `${bare}/ping` });
    await scenario('one', 'bare Fastify GET + one pg query (SELECT 1)', { url: `${bare}/one` });
    await scenario('raw-tenant', 'bare Fastify + the same SQL: one tenant', { url: `${bare}/tenant` });
    await scenario('tenant', 'GET /v1/tenants/{id} (tenant token)', { url: `${base}/v1/tenants/bench`, headers: auth(viewer) }, 'raw-tenant');
    await scenario('raw-environments', 'bare Fastify + the same SQL: 50 environments', { url: `${bare}/environments` });
    await scenario('environments', 'GET /v1/environments?limit=50', { url: `${base}/v1/environments?limit=50`, headers: auth(viewer) }, 'raw-environments');
    await scenario('raw-feed', 'bare Fastify + the same SQL: a feed page', { url: `${bare}/feed` });
    await scenario('feed', 'GET /v1/events?limit=50 (feed page)', { url: `${base}/v1/events?limit=50`, headers: auth(viewer) }, 'raw-feed');
    nextEnv = 0;
    await scenario('raw-report', 'bare Fastify + raw tx: report, nothing changed', { method: 'PUT', url: bare, requests: report((i) => `/actual-state/${envIds[i]}`) });
    nextEnv = 0;
    await scenario('report', 'PUT …/actual-state (agent, nothing changed)', { method: 'PUT', url: base, requests: report((i) => `/v1/environments/${envIds[i]}/actual-state`) }, 'raw-report');
    await scenario('raw-create', 'bare Fastify + raw tx: 3 inserts (aggregate, outbox, audit)', { method: 'POST', url: `${bare}/tenants` });
    await scenario(
      'create',
      'POST /v1/tenants (new tenant, Idempotency-Key)',
      { method: 'POST', url: `${base}/v1/tenants`, headers: { ...auth(platform), 'content-type': 'application/json' }, requests: [{ setupRequest: newTenant }] },
      'raw-create',
    );
  } finally {
    if (server?.connected) {
      server.send({ stop: true });
      await new Promise((r) => server!.once('exit', r));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }

  const one = rows.find((r) => r.key === 'one');
  const ratio = (a: Row, b?: Row) => (b && b.rps ? `${((a.rps / b.rps) * 100).toFixed(0)} %` : '');
  console.log(`\nbench:api — ${CONNECTIONS} connections, ${DURATION} s each, ${new Date().toISOString()}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| scenario | req/s | p50 ms | p99 ms | server CPU ms/req | vs its raw SQL | vs one pg query | non-2xx | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const own = r.baseline ? rows.find((b) => b.key === r.baseline) : undefined;
    console.log(
      `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuMsPerRequest.toFixed(3)} | ${own ? ratio(r, own) : ''} | ${r.key === 'one' || r.key === 'bare' ? '' : ratio(r, one)} | ${r.non2xx} | ${r.errors} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
