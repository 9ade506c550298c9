import { createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { eventually, startTestApp } from '@rcp/testing';
import { App, FAST_INVENTORY, envRow, eventTypes, onboardTenant, requestEnvironment, waitForState } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

const SECRET = 'executor-shared-secret-for-tests';

/** Signs like the documented scheme, independently of the product's own code. */
const sign = (secret: string, ts: number, body: string) => `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;

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

type Behaviour = 'succeed' | 'fail' | 'silent' | 'refuse';

/**
 * A small external executor: accepts signed operations on POST /operations (checking the signature),
 * answers 202 at once and then calls the control plane back on `callbackUrl`, signed, the way the
 * environment's name says: `ok-*` succeed, `bad-*` fail, `quiet-*` never call back, `down-*` get 503.
 */
async function startExecutor() {
  const received: ReceivedOperation[] = [];
  const callbacks: SentCallback[] = [];
  const behaviourOf = (name: string): Behaviour => (name.startsWith('bad-') ? 'fail' : name.startsWith('quiet-') ? 'silent' : name.startsWith('down-') ? 'refuse' : 'succeed');
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = Number(req.headers['x-rcp-timestamp']);
      if (req.method !== 'POST' || req.url !== '/operations' || req.headers['x-rcp-signature'] !== sign(SECRET, ts, raw)) {
        res.writeHead(401).end('bad signature');
        return;
      }
      const body = JSON.parse(raw) as ReceivedOperation['body'];
      received.push({ path: req.url, headers: req.headers, raw, body });
      const behaviour = behaviourOf(body.environment.name);
      if (behaviour === 'refuse') {
        res.writeHead(503).end('maintenance window');
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      if (behaviour === 'silent') return;
      const payload = JSON.stringify(
        behaviour === 'succeed' ? { callbackId: randomUUID(), status: 'succeeded' } : { callbackId: randomUUID(), status: 'failed', reason: 'no capacity left in eu-west-1' },
      );
      void callBack(body.operationId, body.callbackUrl, payload);
    });
  });
  async function callBack(operationId: string, url: string, body: string, secret = SECRET, ts = Math.floor(Date.now() / 1000)) {
    const headers = { 'content-type': 'application/json', 'x-rcp-timestamp': String(ts), 'x-rcp-signature': sign(secret, ts, body) };
    const res = await fetch(url, { method: 'POST', headers, body });
    const sent = { operationId, url, headers, body, status: res.status, response: await res.json() };
    callbacks.push(sent);
    return sent;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, received, callbacks, callBack, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A port nobody listens on right now (the app is then started on it, so PUBLIC_BASE_URL is known up front). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
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
      PUBLIC_BASE_URL: base,
      JOB_MAX_ATTEMPTS: '2',
    });
    await t.app.listen(port, '127.0.0.1');
    await onboardTenant(t, 'acme');
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
    const tampered = await fetch(url, { method: 'POST', headers: { ...forged.headers, 'x-rcp-signature': sign(SECRET, Number(forged.headers['x-rcp-timestamp']), body) }, body: body.replace('succeeded', 'failed') });
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

  it('retries handing an operation to an executor that refuses it, then fails the attempt with its answer', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'down-one' });
    const failed = await waitForState(t, environment.id, 'failed');
    expect(failed.failure_reason).toMatch(
      /^Provisioning failed after 3 attempt\(s\): the provisioner could not be reached after 2 tries \(executor refused the operation with HTTP 503: maintenance window\)/,
    );
    // Two dispatch tries (JOB_MAX_ATTEMPTS=2) for each of the three attempts.
    expect(operationsFor(environment.id)).toHaveLength(6);
    const dispatch = await t.ds.query(`SELECT state, attempts FROM platform.jobs WHERE target_id = $1 AND name = 'inventory.dispatch-operation'`, [environment.id]);
    expect(dispatch).toEqual(Array(3).fill({ state: 'completed', attempts: 2 }));
  });
});
