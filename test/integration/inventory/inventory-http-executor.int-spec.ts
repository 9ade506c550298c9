import { createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { eventually, freePort, givenTenant, startTestApp } from '@rcp/testing';
import { App, FAST_INVENTORY, envRow, eventTypes, requestEnvironment, waitForState } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

const SECRET = 'executor-shared-secret-for-tests';
/** How long the executor may take to answer (EXECUTOR_TIMEOUT_MS of the app under test). */
const TIMEOUT_MS = 1000;

/** Signs like the documented scheme (v2: timestamp, method, path, body), independently of the product's own code. */
const sign = (secret: string, ts: number, method: string, path: string, body: string) =>
  `v2=${createHmac('sha256', secret).update(`${ts}\n${method}\n${path}\n${body}`).digest('hex')}`;
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

interface ReceivedOperation {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { operationId: string; kind: string; attempt: number; round: number; callbackUrl: string; environment: { id: string; name: string; labels: Record<string, string> } };
}

interface SentCallback {
  operationId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  response: unknown;
}

type Behaviour = 'succeed' | 'fail' | 'dirty' | 'silent' | 'refuse' | 'leak' | 'redirect' | 'huge' | 'slow' | 'garbage';
const PREFIXES: Array<[string, Behaviour]> = [
  ['bad-', 'fail'],
  ['dirty-', 'dirty'],
  ['quiet-', 'silent'],
  ['down-', 'refuse'],
  ['leaky-', 'leak'],
  ['moved-', 'redirect'],
  ['huge-', 'huge'],
  ['slow-', 'slow'],
  ['garbage-', 'garbage'],
];
const HUGE_BYTES = 50 * 1024 * 1024;
/** What an executor at its worst may put in a failure reason: terminal escapes, bidi overrides, newlines, internal URLs, a lot of it. */
const DIRTY_REASON = `disk full \u001b[31mon\u001b[0m node-7\u202e\nsee http://10.0.0.5:8443/internal/ops?token=abc and https://grafana.internal/d/x ${'x'.repeat(600)}`;

/**
 * A small external executor: accepts signed operations on POST /operations (checking the v2 signature
 * over method, path and body), answers 202 at once and then calls the control plane back on
 * `callbackUrl`, signed, the way the environment's name says: `ok-*` succeed, `bad-*` fail, `dirty-*`
 * fail with a reason full of escapes and URLs, `quiet-*` never call back, `down-*` get 503, `leaky-*`
 * get a 503 whose body names internal systems, `moved-*` get a 307 to a trap server, `huge-*` a 500 with
 * a 50 MB body, `slow-*` no answer at all, `garbage-*` bytes that are not HTTP.
 */
async function startExecutor() {
  const received: ReceivedOperation[] = [];
  const callbacks: SentCallback[] = [];
  /** How many bytes of each huge body were actually written before the control plane hung up. */
  const hugeWritten: number[] = [];
  const trapHits: string[] = [];
  const trap: Server = createServer((req, res) => {
    trapHits.push(`${req.method} ${req.url}`);
    res.writeHead(202).end();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/stolen`;
  const behaviourOf = (name: string): Behaviour => PREFIXES.find(([p]) => name.startsWith(p))?.[1] ?? 'succeed';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = Number(req.headers['x-rcp-timestamp']);
      if (req.method !== 'POST' || req.url !== '/operations' || req.headers['x-rcp-signature'] !== sign(SECRET, ts, req.method, req.url, raw)) {
        res.writeHead(401).end('bad signature');
        return;
      }
      const body = JSON.parse(raw) as ReceivedOperation['body'];
      received.push({ path: req.url, headers: req.headers, raw, body });
      const behaviour = behaviourOf(body.environment.name);
      switch (behaviour) {
        case 'refuse':
          res.writeHead(503).end('maintenance window');
          return;
        case 'leak':
          res.writeHead(503, { 'content-type': 'text/plain' }).end(`upstream http://10.0.0.5:8443/internal refused: secret ${SECRET}\u001b[2J`);
          return;
        case 'redirect':
          res.writeHead(307, { location: trapUrl }).end();
          return;
        case 'huge': {
          res.writeHead(500, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'x');
          let written = 0;
          res.on('close', () => hugeWritten.push(written));
          const pump = () => {
            while (written < HUGE_BYTES && !res.destroyed) {
              written += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
          return;
        }
        case 'slow':
          return; // never answers; the connection is closed when the server stops
        case 'garbage':
          req.socket.end('this is not HTTP at all\r\n\r\n');
          return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      if (behaviour === 'silent') return;
      const callback =
        behaviour === 'succeed'
          ? { callbackId: randomUUID(), status: 'succeeded' }
          : { callbackId: randomUUID(), status: 'failed', reason: behaviour === 'dirty' ? DIRTY_REASON.slice(0, 1000) : 'no capacity left in eu-west-1' };
      void callBack(body.operationId, body.callbackUrl, JSON.stringify(callback));
    });
  });
  async function callBack(operationId: string, url: string, body: string, secret = SECRET, ts = Math.floor(Date.now() / 1000), signedPath = pathOf(url)) {
    const headers = { 'content-type': 'application/json', 'x-rcp-timestamp': String(ts), 'x-rcp-signature': sign(secret, ts, 'POST', signedPath, body) };
    const res = await fetch(url, { method: 'POST', headers, body });
    const sent = { operationId, url, headers, body, status: res.status, response: await res.json() };
    callbacks.push(sent);
    return sent;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => trap.close(() => r()));
  };
  return { port, received, callbacks, callBack, hugeWritten, trapHits, close };
}


describe('inventory: the http provisioner against an external executor', () => {
  let t: App;
  let executor: Awaited<ReturnType<typeof startExecutor>>;
  let base: string;

  beforeAll(async () => {
    executor = await startExecutor();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      ...FAST_INVENTORY,
      PROVISIONER: 'http',
      EXECUTOR_URL: `http://127.0.0.1:${executor.port}`,
      EXECUTOR_SECRET: SECRET,
      EXECUTOR_TIMEOUT_MS: String(TIMEOUT_MS),
      PUBLIC_BASE_URL: base,
      JOB_MAX_ATTEMPTS: '2',
    });
    await t.app.listen(port, '127.0.0.1');
    await givenTenant(t, { id: 'acme', quotas: { maxEnvironments: 50 } });
  });
  afterAll(async () => {
    await t.close();
    await executor.close();
  });

  const operationsFor = (envId: string) => executor.received.filter((r) => r.body.environment.id === envId);

  it('sends a signed operation to the executor and becomes ready when the executor calls back', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'ok-one', labels: { team: 'payments' } });
    await waitForState(t, environment.id, 'ready');
    const [op] = operationsFor(environment.id);
    expect(op.headers['content-type']).toBe('application/json');
    expect(op.headers['x-rcp-operation-id']).toBe(op.body.operationId);
    expect(op.headers['x-rcp-signature']).toMatch(/^v2=[0-9a-f]{64}$/);
    // The dispatch job's idempotency key: its id, the same for every try of it.
    const [dispatch] = await t.ds.query(`SELECT id FROM platform.jobs WHERE target_id = $1 AND name = 'inventory.dispatch-operation'`, [environment.id]);
    expect(op.headers['idempotency-key']).toBe(dispatch.id);
    expect(op.body).toMatchObject({
      kind: 'provision',
      attempt: 1,
      round: 1,
      callbackUrl: `${base}/v1/executor-callbacks/${op.body.operationId}`,
      environment: { id: environment.id, tenantId: 'acme', projectId: 'web', name: 'ok-one', type: 'staging', region: 'eu-west-1', labels: { team: 'payments' }, placement: { namespace: 'acme-web-ok-one' } },
    });
    // The environment is ready once the callback committed, possibly before the executor read the answer.
    const callback = await eventually(async () => executor.callbacks.find((c) => c.operationId === op.body.operationId));
    expect(callback).toMatchObject({ status: 200, response: { operationId: op.body.operationId, applied: true, environmentId: environment.id, state: 'ready' } });
    expect(await eventTypes(t, environment.id)).toEqual(['environment-requested', 'environment-provisioning-started', 'environment-ready']);
  });

  it('applies a replayed callback once: the same signed request again changes nothing', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'ok-two' });
    await waitForState(t, environment.id, 'ready');
    const first = await eventually(async () => executor.callbacks.find((c) => c.operationId === operationsFor(environment.id)[0].body.operationId));
    const replay = await fetch(first.url, { method: 'POST', headers: first.headers, body: first.body });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ applied: false });
    // The same callback id under a fresh signature is a replay too.
    const again = await executor.callBack(first.operationId, first.url, first.body);
    expect(again.response).toMatchObject({ applied: false });
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM platform.event_log WHERE aggregate_id = $1 AND type = 'rcp.inventory.environment-ready.v1'`,
      [environment.id],
    );
    expect(n).toBe(1);
    expect((await envRow(t, environment.id)).version).toBe(3);
  });

  it('applies two copies of one callback delivered at the same time once (callback ids are remembered)', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'quiet-twice' });
    const provisioning = await eventually(async () => {
      const r = await envRow(t, environment.id);
      return r.state === 'provisioning' && operationsFor(environment.id).length === 1 ? r : undefined;
    });
    const operationId = provisioning.operation_id!;
    const body = JSON.stringify({ callbackId: `cb-${randomUUID()}`, status: 'succeeded' });
    const url = `${base}/v1/executor-callbacks/${operationId}`;
    const both = await Promise.all([executor.callBack(operationId, url, body), executor.callBack(operationId, url, body)]);
    expect(both.map((c) => c.status)).toEqual([200, 200]);
    expect(both.map((c) => (c.response as { applied: boolean }).applied).sort()).toEqual([false, true]);
    expect((await envRow(t, environment.id)).state).toBe('ready');
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM inventory.executor_callbacks WHERE operation_id = $1`, [operationId]);
    expect(n).toBe(1);
  });

  it('refuses a callback with a bad signature or a stale timestamp with 401 and changes nothing', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'quiet-one' });
    const provisioning = await eventually(async () => {
      const r = await envRow(t, environment.id);
      return r.state === 'provisioning' && operationsFor(environment.id).length === 1 ? r : undefined;
    });
    const operationId = provisioning.operation_id!;
    const url = `${base}/v1/executor-callbacks/${operationId}`;
    const body = JSON.stringify({ callbackId: randomUUID(), status: 'succeeded' });

    const forged = await executor.callBack(operationId, url, body, 'not-the-secret');
    expect(forged.status).toBe(401);
    expect(forged.response).toMatchObject({ code: 'unauthenticated', status: 401 });
    const stale = await executor.callBack(operationId, url, body, SECRET, Math.floor(Date.now() / 1000) - 3600);
    expect(stale.status).toBe(401);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
    const tampered = await fetch(url, {
      method: 'POST',
      headers: { ...forged.headers, 'x-rcp-signature': sign(SECRET, Number(forged.headers['x-rcp-timestamp']), 'POST', pathOf(url), body) },
      body: body.replace('succeeded', 'failed'),
    });
    expect(tampered.status).toBe(401);

    expect(await envRow(t, environment.id)).toEqual(provisioning);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM inventory.executor_callbacks WHERE operation_id = $1`, [operationId]);
    expect(n).toBe(0);
    const denied = await t.ds.query(`SELECT action, result, status, code FROM platform.audit_log WHERE target_id = $1 ORDER BY id`, [operationId]);
    expect(denied).toHaveLength(4);
    expect(denied[0]).toEqual({ action: 'executor.callback', result: 'denied', status: 401, code: 'unauthenticated' });

    const good = await executor.callBack(operationId, url, body);
    expect(good).toMatchObject({ status: 200, response: { applied: true, state: 'ready' } });
  });

  it('retries the attempts the executor fails and ends failed with the executor\'s reason', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'bad-one' });
    const failed = await waitForState(t, environment.id, 'failed');
    expect(failed.failure_reason).toBe(
      'Provisioning failed after 3 attempt(s): the executor reported: no capacity left in eu-west-1. Fix the cause, then retry the environment or decommission it',
    );
    const ops = operationsFor(environment.id);
    expect(ops.map((o) => o.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(ops.map((o) => o.body.operationId)).size).toBe(3);
  });

  it('retries handing an operation to an executor that refuses it, then fails the attempt saying only how it refused', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'down-one' });
    const failed = await waitForState(t, environment.id, 'failed');
    // The executor's own words ("maintenance window") stay in the operator log; the tenant gets a fixed phrase.
    expect(failed.failure_reason).toBe(
      'Provisioning failed after 3 attempt(s): the provisioner did not take the operation after 2 tries (executor returned HTTP 503). ' +
        'Fix the cause, then retry the environment or decommission it',
    );
    // Two dispatch tries (JOB_MAX_ATTEMPTS=2) for each of the three attempts.
    expect(operationsFor(environment.id)).toHaveLength(6);
    const dispatch = await t.ds.query(`SELECT id, state, attempts FROM platform.jobs WHERE target_id = $1 AND name = 'inventory.dispatch-operation'`, [environment.id]);
    expect(dispatch.map(({ state, attempts }: { state: string; attempts: number }) => ({ state, attempts }))).toEqual(Array(3).fill({ state: 'completed', attempts: 2 }));
    // Both tries of one dispatch job carry that job's id as their idempotency key.
    const keys = operationsFor(environment.id).map((op) => op.headers['idempotency-key']);
    expect([...new Set(keys)].sort()).toEqual(dispatch.map((d: { id: string }) => d.id).sort());
    for (const key of new Set(keys)) expect(keys.filter((k) => k === key)).toHaveLength(2);
  });

  describe('an executor whose answers cannot be trusted', () => {
    /** Everything about an environment a tenant can read: its row, its events, its audit rows and its jobs. */
    async function tenantVisibleText(environmentId: string): Promise<string> {
      await eventually(async () => (await t.ds.query(`SELECT 1 FROM platform.outbox_events WHERE aggregate_id = $1`, [environmentId])).length === 0);
      const parts = await Promise.all([
        t.ds.query(`SELECT failure_reason, last_error FROM inventory.environments WHERE id = $1`, [environmentId]),
        t.ds.query(`SELECT envelope FROM platform.event_log WHERE aggregate_id = $1`, [environmentId]),
        t.ds.query(`SELECT details FROM platform.audit_log WHERE target_id = $1`, [environmentId]),
        t.ds.query(`SELECT last_error, result FROM platform.jobs WHERE target_id = $1`, [environmentId]),
      ]);
      return JSON.stringify(parts);
    }
    const expectNothingInternal = (text: string, extra: string[] = ['xxxxxxxx']) => {
      for (const leak of ['127.0.0.1', `:${executor.port}`, '10.0.0.5', 'http://', 'https://', SECRET, 'maintenance', 'internal', '\\u001b', ...extra]) {
        expect({ leak, found: text.includes(leak) }).toEqual({ leak, found: false });
      }
    };
    const reasonOf = (why: string) =>
      `Provisioning failed after 3 attempt(s): the provisioner did not take the operation after 2 tries (${why}). Fix the cause, then retry the environment or decommission it`;

    it('does not follow a redirect: a 307 is a failure and the signed operation never reaches the other server', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'moved-one' });
      const failed = await waitForState(t, environment.id, 'failed');
      expect(failed.failure_reason).toBe(reasonOf('executor returned HTTP 307 (redirects are not followed)'));
      expect(operationsFor(environment.id)).toHaveLength(6);
      expect(executor.trapHits).toEqual([]);
      expectNothingInternal(await tenantVisibleText(environment.id));
    });

    it('reads at most 64 KiB of a 50 MB error body and tells the tenant only the status', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'huge-one' });
      const failed = await waitForState(t, environment.id, 'failed');
      expect(failed.failure_reason).toBe(reasonOf('executor returned HTTP 500'));
      const written = await eventually(async () => (executor.hugeWritten.length >= 6 ? executor.hugeWritten : undefined));
      // What the executor managed to write before the control plane hung up: socket buffers, never the 50 MB.
      for (const bytes of written) expect(bytes).toBeLessThan(HUGE_BYTES / 5);
      expectNothingInternal(await tenantVisibleText(environment.id));
    });

    it('gives up on an executor that does not answer within EXECUTOR_TIMEOUT_MS, without naming EXECUTOR_URL', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'slow-one' });
      const failed = await waitForState(t, environment.id, 'failed', 25_000);
      expect(failed.failure_reason).toBe(reasonOf('executor timed out'));
      expectNothingInternal(await tenantVisibleText(environment.id));
    });

    it('calls an answer that is not HTTP invalid', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'garbage-one' });
      const failed = await waitForState(t, environment.id, 'failed');
      expect(failed.failure_reason).toBe(reasonOf('executor response invalid'));
      expectNothingInternal(await tenantVisibleText(environment.id));
    });

    it('keeps an error body naming internal systems and secrets away from the tenant', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'leaky-one' });
      const failed = await waitForState(t, environment.id, 'failed');
      expect(failed.failure_reason).toBe(reasonOf('executor returned HTTP 503'));
      expectNothingInternal(await tenantVisibleText(environment.id));
    });

    it('calls an executor nobody listens on unreachable, without naming its address', async () => {
      const closed = await freePort();
      const other = await startTestApp({ ...FAST_INVENTORY, PROVISIONER: 'http', EXECUTOR_URL: `http://127.0.0.1:${closed}`, EXECUTOR_SECRET: SECRET, JOB_MAX_ATTEMPTS: '1' });
      try {
        await givenTenant(other, { id: 'acme' });
        const { environment } = await requestEnvironment(other, 'acme', { name: 'nowhere' });
        const failed = await waitForState(other, environment.id, 'failed');
        expect(failed.failure_reason).toBe(
          'Provisioning failed after 3 attempt(s): the provisioner did not take the operation after 1 try (executor unreachable). Fix the cause, then retry the environment or decommission it',
        );
        expect(failed.failure_reason).not.toContain(String(closed));
      } finally {
        await other.close();
      }
    });

    it('cuts a failure reason from a callback and strips control characters and URLs before a tenant sees it', async () => {
      const { environment } = await requestEnvironment(t, 'acme', { name: 'dirty-one' });
      const failed = await waitForState(t, environment.id, 'failed');
      const reported = failed.failure_reason!.replace(/^Provisioning failed after 3 attempt\(s\): the executor reported: /, '').replace(/\. Fix the cause, then retry the environment or decommission it$/, '');
      expect(reported).toMatch(/^disk full on node-7 see \[url\] and \[url\] x+…$/);
      expect([...reported]).toHaveLength(200);
      expect(failed.failure_reason).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
      expectNothingInternal(await tenantVisibleText(environment.id), ['token=abc', '[31m']);
    });
  });

  describe('callbacks re-sent elsewhere', () => {
    const inFlight = async (name: string) => {
      const { environment } = await requestEnvironment(t, 'acme', { name });
      const row = await eventually(async () => {
        const r = await envRow(t, environment.id);
        return r.state === 'provisioning' && operationsFor(environment.id).length === 1 ? r : undefined;
      });
      return { environmentId: environment.id, row, operationId: row.operation_id!, url: `${base}/v1/executor-callbacks/${row.operation_id}` };
    };

    it('refuses a signed callback re-sent to another operation\'s path (401, audited) and applies nothing there', async () => {
      const victim = await inFlight('quiet-victim');
      const own = await inFlight('quiet-own');
      const body = JSON.stringify({ callbackId: randomUUID(), status: 'failed', reason: 'tearing it down' });
      // Signed for the executor's own operation, delivered to the victim's URL with the very same headers.
      const signedForOwn = await executor.callBack(victim.operationId, victim.url, body, SECRET, Math.floor(Date.now() / 1000), pathOf(own.url));
      expect(signedForOwn.status).toBe(401);
      expect(signedForOwn.response).toMatchObject({ code: 'unauthenticated', detail: 'Executor callback refused: the signature does not match' });
      expect(await envRow(t, victim.environmentId)).toEqual(victim.row);
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM inventory.executor_callbacks WHERE operation_id = $1`, [victim.operationId]);
      expect(n).toBe(0);
      const audit = await t.ds.query(`SELECT action, result, status, code FROM platform.audit_log WHERE target_id = $1`, [victim.operationId]);
      expect(audit).toEqual([{ action: 'executor.callback', result: 'denied', status: 401, code: 'unauthenticated' }]);

      // The same callback at its own URL is fine, and once there, cannot be replayed to the victim either.
      const genuine = await executor.callBack(own.operationId, own.url, body);
      expect(genuine).toMatchObject({ status: 200, response: { applied: true } });
      const replayed = await fetch(victim.url, { method: 'POST', headers: genuine.headers, body });
      expect(replayed.status).toBe(401);
      expect(await envRow(t, victim.environmentId)).toEqual(victim.row);
    });

    it('remembers a callback for an unknown operation, so its replay is refused too', async () => {
      const unknown = randomUUID();
      const url = `${base}/v1/executor-callbacks/${unknown}`;
      const body = JSON.stringify({ callbackId: `cb-${randomUUID()}`, status: 'succeeded' });
      const first = await executor.callBack(unknown, url, body);
      expect(first).toMatchObject({ status: 200, response: { applied: false, reason: `operation ${unknown} is not in progress (unknown, superseded or already completed)` } });
      const replay = await fetch(url, { method: 'POST', headers: first.headers, body });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ applied: false, reason: `callback ${JSON.parse(body).callbackId} was already received` });
      const rows = await t.ds.query(`SELECT operation_id, environment_id, tenant_id, status FROM inventory.executor_callbacks WHERE callback_id = $1`, [JSON.parse(body).callbackId]);
      expect(rows).toEqual([{ operation_id: unknown, environment_id: null, tenant_id: null, status: 'succeeded' }]);
    });
  });
});
