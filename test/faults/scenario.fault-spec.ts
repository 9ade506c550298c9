import { signLocalToken } from '@rcp/auth';
import { TEST_JWT_SECRET } from '@rcp/testing';
import { DemoResult, runDemo } from '../../scripts/demo/scenario';
import { WebhookReceiver } from '../../scripts/demo/webhook-receiver';
import { demoTestSettings } from '../support/demo-settings';
import { AppProcess, startAppProcess, until, useFaultDatabase } from './support/harness';

jest.setTimeout(240_000);

/** What the demo e2e test sets for speed, what the demo needs, and short leases so a dead worker's work moves on soon. */
const ENV: Record<string, string> = {
  // One master key for every process (computed once here): a secret sealed by one is opened by the others.
  ...demoTestSettings(),
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_RETRY_SCHEDULE: '500ms,1s,2s,5s,10s',
  JOB_LEASE_SECONDS: '3',
  RELAY_LEASE_MS: '2000',
};

/**
 * `npm run demo`'s whole scenario (scripts/demo/scenario.ts) against the real application split into
 * processes as in production: two `api` processes taking the requests in turn and two `worker`
 * processes, one of them SIGKILLed (its whole process group) once the deployments have begun. The
 * scenario still completes, and afterwards every event of the tenant was delivered exactly once in
 * effect: to the webhook receiver (deduplicated on `webhook-id`) and to every in-process handler
 * subscribed to it (one inbox row each), with the outbox drained, nothing dead-lettered, and both api
 * processes reading the same states.
 */
describe('the demo scenario over 2 api and 2 worker processes, a worker killed halfway', () => {
  const db = useFaultDatabase();
  let apis: AppProcess[] = [];
  let workers: AppProcess[] = [];
  let result: DemoResult;
  const receiver = new WebhookReceiver();
  const lines: string[] = [];
  const served = new Map<string, number>();
  let killedAt = '';

  beforeAll(async () => {
    // Two at a time: the machine has two cores.
    workers = await Promise.all([1, 2].map((n) => startAppProcess({ db, role: 'worker', name: `worker-${n}`, env: ENV, ownGroup: true })));
    apis = await Promise.all([1, 2].map((n) => startAppProcess({ db, role: 'api', name: `api-${n}`, env: ENV })));
  });
  afterAll(() => receiver.stop());

  it('completes the scenario while one worker is SIGKILLed', async () => {
    const [victim] = workers;
    let turn = 0;
    /** Every request to the next api process in turn (the client is built for api-1's origin). */
    const spread = async (request: Request): Promise<Response> => {
      const api = apis[turn++ % apis.length];
      served.set(api.name, (served.get(api.name) ?? 0) + 1);
      const url = new URL(request.url);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      return fetch(`${api.baseUrl}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body, signal: request.signal });
    };
    let kill: Promise<void> | undefined;
    const log = (line: string) => {
      lines.push(line);
      // The first release of step 4 has been accepted: its rollout is about to run on the workers.
      if (!kill && /^\s*deployment \S+ accepted \(202\): the service's first release/.test(line)) {
        killedAt = line.trim();
        victim.signal('SIGKILL');
        kill = victim.exited.then((exit) => {
          expect(exit.signal).toBe('SIGKILL');
        });
      }
    };
    result = await runDemo({
      baseUrl: apis[0].baseUrl,
      mint: (spec) => signLocalToken(spec, TEST_JWT_SECRET),
      log,
      pollMs: 200,
      timeouts: { environment: 30_000, rollout: 60_000, drift: 60_000, webhook: 30_000 },
      healthGate: { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 },
      fetch: spread,
      receiver,
    }).catch((err: Error & { step?: string }) => {
      throw new Error(`the demo failed at "${err.step}": ${err.message}\n${lines.join('\n')}`);
    });
    expect(kill).toBeDefined();
    await kill;
    expect(killedAt).not.toBe('');
    expect(lines[lines.length - 1]).toMatch(/^✔ demo finished/);
    expect(result.canary.state).toBe('succeeded');
    expect(result.unhealthy.state).toBe('rolled_back');
    expect(result.finding.state).toBe('resolved');
    expect(result.corrective.state).toBe('succeeded');
    // Both api processes took requests, and the survivors are still up.
    for (const api of apis) expect(served.get(api.name)).toBeGreaterThan(10);
    for (const p of [...apis, workers[1]]) expect(p.child.exitCode === null && p.child.signalCode === null).toBe(true);
  });

  it('delivered every event of the tenant exactly once in effect, drained the outbox and dead-lettered nothing', async () => {
    const tenantId = result.tenant.id;
    // The outbox drains (new rows may still come: health and inventory keep being pulled).
    await until(async () => (await db.count(`SELECT count(*) AS n FROM platform.outbox_events WHERE recorded_at < now() - interval '2 seconds'`)) === 0, 20_000, 'outbox drained');
    const [{ head }] = await db.query<{ head: string }>(`SELECT coalesce(max(position), 0)::text AS head FROM platform.event_log`);
    const [sub] = await db.query<{ created_at: Date }>(`SELECT created_at FROM webhooks.subscriptions WHERE id = $1`, [result.subscription.id]);
    // Every event of the tenant the subscription (rcp.*) matches: recorded since it was created.
    const expected = await db.query<{ id: string; type: string }>(
      `SELECT id::text, type FROM platform.event_log WHERE tenant_id = $1 AND position <= $2 AND type LIKE 'rcp.%' AND recorded_at >= $3 ORDER BY position`,
      [tenantId, head, sub.created_at],
    );
    expect(expected.length).toBeGreaterThan(20);

    // The receiver got each of them (it dedups redeliveries on webhook-id: one entry per event).
    const missing = () => {
      const got = new Set(receiver.events.map((e) => e.webhookId));
      return expected.filter((e) => !got.has(e.id));
    };
    await until(async () => missing().length === 0, 30_000, 'every event at the receiver').catch((err: Error) => {
      throw new Error(`${err.message}: missing ${JSON.stringify(missing())}`);
    });
    const ids = receiver.events.map((e) => e.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.rejected).toEqual([]);
    const logged = new Set((await db.query<{ id: string }>(`SELECT id::text FROM platform.event_log WHERE tenant_id = $1`, [tenantId])).map((r) => r.id));
    expect(ids.filter((id) => !logged.has(id))).toEqual([]); // nothing the log does not hold
    for (const e of receiver.events) expect(e.event.tenantid).toBe(tenantId);

    // One webhook delivery per event, all delivered, none dead-lettered.
    const deliveries = await until(async () => {
      const rows = await db.query<{ event_id: string; state: string; attempts: number }>(
        `SELECT event_id::text, state, attempts FROM webhooks.deliveries WHERE subscription_id = $1 AND event_id = ANY ($2::uuid[])`,
        [result.subscription.id, expected.map((e) => e.id)],
      );
      return rows.length === expected.length && rows.every((r) => r.state === 'delivered') ? rows : undefined;
    }, 20_000, 'every webhook delivery delivered');
    expect(new Set(deliveries.map((d) => d.event_id)).size).toBe(expected.length);
    expect(await db.count(`SELECT count(*) AS n FROM webhooks.deliveries WHERE state = 'dead_letter'`)).toBe(0);

    // Every in-process handler subscribed to an event ran it once in effect (its inbox row), and no delivery is left or dead-lettered.
    const unprocessed = () =>
      db.query<{ id: string; type: string; handler: string }>(
        `SELECT e.id::text, e.type, s.handler FROM platform.event_log e
         JOIN platform.event_subscriptions s ON s.event_type = e.type AND e.position > s.from_position
         WHERE e.tenant_id = $1 AND e.position <= $2
           AND NOT EXISTS (SELECT 1 FROM platform.inbox i WHERE i.event_id = e.id AND i.handler = s.handler)`,
        [tenantId, head],
      );
    await until(async () => (await unprocessed()).length === 0, 30_000, 'every handler delivery processed').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await unprocessed())}`);
    });
    await until(async () => (await db.count(`SELECT count(*) AS n FROM platform.event_deliveries WHERE position <= $1`, [head])) === 0, 20_000, 'no handler delivery left');
    expect(await db.count(`SELECT count(*) AS n FROM platform.event_deliveries WHERE state = 'dead_letter'`)).toBe(0);
    expect(await db.count(`SELECT count(*) AS n FROM platform.jobs WHERE state = 'dead_letter'`)).toBe(0);
  });

  it('reads the same states through both api processes', async () => {
    const token = signLocalToken({ tenantId: result.tenant.id, roles: ['tenant:viewer'], sub: 'viewer@fault-test' }, TEST_JWT_SECRET);
    const read = async (api: AppProcess, path: string) => {
      const res = await api.http(path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const stable = (path: string, body: Record<string, unknown>): unknown => {
      if (path.endsWith('/services')) return (body.items as Array<Record<string, unknown>>).map(({ name, image, replicas, readyReplicas }) => ({ name, image, replicas, readyReplicas }));
      if (path.endsWith('/drift')) return body.findings;
      return body;
    };
    const envId = result.environment.id;
    const paths = [
      ...[result.canary, result.unhealthy, result.corrective].map((d) => `/v1/deployments/${d.id}`),
      `/v1/drift-findings/${result.finding.id}`,
      `/v1/environments/${envId}/services`,
      `/v1/environments/${envId}/drift`,
    ];
    for (const path of paths) {
      const both = await until(async () => {
        const [a, b] = await Promise.all(apis.map(async (api) => stable(path, await read(api, path))));
        return JSON.stringify(a) === JSON.stringify(b) ? a : undefined;
      }, 10_000, `${path} equal on both api processes`);
      expect(both).toBeDefined();
    }
    const [d1, d2] = await Promise.all(apis.map((api) => read(api, `/v1/deployments/${result.canary.id}`)));
    expect(d1).toMatchObject({ state: 'succeeded', weight: 100 });
    expect(d2).toEqual(d1);
    const [f1, f2] = await Promise.all(apis.map((api) => read(api, `/v1/drift-findings/${result.finding.id}`)));
    expect(f1).toMatchObject({ state: 'resolved' });
    expect(f2).toEqual(f1);
  });
});
