/**
 * `npm run bench:events` — events delivered to a local webhook receiver, and the feed read in pages.
 *
 * The real application (role `all`: relay, spine deliveries, the webhook fan-out and dispatcher in one
 * process) on a fresh database; one tenant with one webhook subscription to a receiver on 127.0.0.1
 * (started in this process: it answers 204 and notes when each event arrived). Events are committed to
 * the outbox at a steady rate (BENCH_RATE per second for BENCH_SECONDS, in 20 commits a second, as many
 * commands would) and each one's commit-to-delivery latency is the receiver's arrival time minus the
 * time of its commit. Reported: the rate delivered (signed, verified by nobody, answered 204), p50,
 * p99 and max commit-to-delivery latency, and the whole backlog's drain rate when BENCH_BURST events are
 * committed at once.
 *
 * Baselines in the same run: the same bodies POSTed by a plain loop of WEBHOOK_CONCURRENCY requests at
 * once to the same receiver (the HTTP floor), and the feed: pages of 100 of the tenant's events through
 * `GET /v1/events` beside the same statement on `pg`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { request } from 'node:http';
import { Client } from 'pg';
import { signLocalToken } from '../libs/auth/src/token-factory';
import { feedQuery } from '../libs/messaging/src/events.controller';
import { createApp } from '../src/bootstrap';
import { BenchDatabase, runBench } from './support';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 10000);
const TENANT = 'bench-events';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

function envelopeRow(id: string, params: unknown[]): string {
  const now = new Date().toISOString();
  const envelope = {
    specversion: '1.0', id, source: '/rcp/drift', type: 'rcp.drift.reconciliation-completed.v1', subject: id, time: now, datacontenttype: 'application/json',
    data: { environmentId: id, tenantId: TENANT, projectId: 'web', trigger: 'scheduled', desiredRevision: 'a'.repeat(40), counts: { open: 0, detected: 0, resolved: 0, explained: 0, skipped: 0 } },
    tenantid: TENANT, projectid: 'web', moduleid: 'drift', traceparent: '00-00000000000000000000000000000001-0000000000000001-01', correlationid: id, aggregatetype: 'EnvironmentDrift', aggregateversion: '1',
  };
  const n = params.length;
  params.push(id, TENANT, id, JSON.stringify(envelope));
  return `($${n + 1}::uuid, $${n + 2}, 'rcp.drift.reconciliation-completed.v1', 'EnvironmentDrift', $${n + 3}, 1, $${n + 4}::jsonb)`;
}

runBench(
  async ({ settings }: BenchDatabase) => {
    // The receiver: notes when each event (by webhook-id) arrived.
    const arrived = new Map<string, number>();
    const receiver = createServer((req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        const id = req.headers['webhook-id'] as string | undefined;
        if (id && !arrived.has(id)) arrived.set(id, performance.now());
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const app = await createApp(settings);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE);
    const owner = new Client({ connectionString: settings.DATABASE_URL });
    await owner.connect();
    try {
      const post = async (path: string, token: string, body: object) => {
        const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        return res.json() as Promise<Record<string, unknown>>;
      };
      await post('/v1/tenants', sign({ roles: ['platform:admin'], sub: 'ops' }), { id: TENANT, displayName: 'bench', isolationMode: 'shared', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 } });
      await post('/v1/webhook-subscriptions', sign({ tenantId: TENANT, roles: ['tenant:admin'], sub: 'admin' }), { url: receiverUrl, eventTypes: ['rcp.drift.*'] });
      await new Promise((r) => setTimeout(r, 1000));

      const commit = async (count: number, committed: Map<string, number>) => {
        const params: unknown[] = [];
        const rows: string[] = [];
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const id = randomUUID();
          ids.push(id);
          rows.push(envelopeRow(id, params));
        }
        await owner.query(`INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ${rows.join(', ')}`, params);
        await owner.query(`NOTIFY rcp_outbox`);
        const at = performance.now();
        for (const id of ids) committed.set(id, at);
      };
      const waitAll = async (committed: Map<string, number>, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs;
        while ([...committed.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      };
      const latencies = (committed: Map<string, number>) => [...committed].filter(([id]) => arrived.has(id)).map(([id, at]) => arrived.get(id)! - at);

      // Steady: RATE events a second, in 20 commits a second.
      const steady = new Map<string, number>();
      const perTick = Math.round(RATE / 20);
      const t0 = performance.now();
      for (let tick = 0; tick < SECONDS * 20; tick++) {
        await commit(perTick, steady);
        const next = t0 + (tick + 1) * 50;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
      if (process.env.BENCH_DIAG) {
        for (let i = 0; i < 10; i++) {
          const [c] = (await owner.query(`SELECT (SELECT count(*) FROM platform.outbox_events)::int AS outbox, (SELECT count(*) FROM platform.event_deliveries WHERE handler = 'FanOutWebhooksOnEventsHandler')::int AS spine,
            (SELECT count(*) FROM webhooks.deliveries WHERE state IN ('pending','retrying'))::int AS due, (SELECT count(*) FROM webhooks.deliveries WHERE state = 'delivered')::int AS delivered`)).rows;
          console.error(JSON.stringify({ ...c, arrived: arrived.size }));
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      await waitAll(steady, 60_000);
      const steadyLat = latencies(steady);
      const steadyLast = Math.max(...[...steady.keys()].map((id) => arrived.get(id) ?? 0));
      const steadyRate = steadyLat.length / ((steadyLast - t0) / 1000);

      // Burst: BURST events at once, drained.
      const burst = new Map<string, number>();
      const b0 = performance.now();
      for (let i = 0; i < BURST; i += 1000) await commit(Math.min(1000, BURST - i), burst);
      await waitAll(burst, 120_000);
      const burstLast = Math.max(...[...burst.keys()].map((id) => arrived.get(id) ?? 0));
      const burstRate = latencies(burst).length / ((burstLast - b0) / 1000);

      // Baseline: the same bodies, POSTed straight to the receiver by a plain loop.
      const bodies = (await owner.query(`SELECT envelope::text AS body FROM platform.event_log WHERE tenant_id = $1 ORDER BY position LIMIT 5000`, [TENANT])).rows.map((r: { body: string }) => r.body);
      const port = (receiver.address() as AddressInfo).port;
      const postRaw = (body: string) =>
        new Promise<void>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers: { 'content-type': 'application/cloudevents+json', 'webhook-id': randomUUID() } }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end(body);
        });
      let next = 0;
      const r0 = performance.now();
      await Promise.all(Array.from({ length: settings.WEBHOOK_CONCURRENCY }, async () => {
        for (let i = next++; i < bodies.length; i = next++) await postRaw(bodies[i]);
      }));
      const rawRate = bodies.length / ((performance.now() - r0) / 1000);

      // The feed: pages of 100 through the API, beside the same statement on pg.
      const token = sign({ tenantId: TENANT, roles: ['tenant:viewer'], sub: 'viewer' });
      let pages = 0;
      let after = '';
      const f0 = performance.now();
      for (;;) {
        const res = await fetch(`${base}/v1/events?limit=100${after ? `&after=${after}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await res.json()) as { nextCursor: string | null };
        pages++;
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
      const feedRate = pages / ((performance.now() - f0) / 1000);
      let rawPages = 0;
      let position = 0;
      const p0 = performance.now();
      for (;;) {
        const q = feedQuery({ sub: 'viewer', kind: 'user', tenantId: TENANT, roles: ['tenant:viewer'] }, { after: position, limit: 100 });
        const rows = (await owner.query(q.sql, q.params)).rows as Array<{ position: string | null }>;
        rawPages++;
        const found = rows.filter((r) => r.position !== null);
        if (found.length <= 100) break;
        position = Number(found[99].position);
      }
      const rawFeedRate = rawPages / ((performance.now() - p0) / 1000);

      const ms = (x: number) => x.toFixed(0);
      return [
        `bench:events — one process (role all), one subscription, receiver on 127.0.0.1 answering 204; WEBHOOK_CONCURRENCY=${settings.WEBHOOK_CONCURRENCY} (per subscription ${settings.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION}); load average ${loadavg()[0].toFixed(2)}`,
        '',
        '| run | events | delivered/s | commit→delivery p50 ms | p99 ms | max ms |',
        '|---|---:|---:|---:|---:|---:|',
        `| steady: ${RATE}/s for ${SECONDS} s | ${steadyLat.length} of ${steady.size} | ${Math.round(steadyRate)} | ${ms(pct(steadyLat, 0.5))} | ${ms(pct(steadyLat, 0.99))} | ${ms(Math.max(...steadyLat))} |`,
        `| burst: ${BURST} committed at once | ${latencies(burst).length} of ${burst.size} | ${Math.round(burstRate)} | ${ms(pct(latencies(burst), 0.5))} | ${ms(pct(latencies(burst), 0.99))} | ${ms(Math.max(...latencies(burst)))} |`,
        `| baseline: the same bodies POSTed by a plain loop, ${settings.WEBHOOK_CONCURRENCY} at once | ${bodies.length} | ${Math.round(rawRate)} | – | – | – |`,
        '',
        '| feed | pages of 100/s |',
        '|---|---:|',
        `| GET /v1/events (tenant token) | ${feedRate.toFixed(0)} |`,
        `| baseline: the same statement on pg | ${rawFeedRate.toFixed(0)} |`,
      ];
    } finally {
      await owner.end();
      await app.close();
      receiver.closeAllConnections();
      receiver.close();
    }
  },
  { RCP_ROLE: 'all', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', RELAY_IDLE_MAX_MS: '50' },
);
