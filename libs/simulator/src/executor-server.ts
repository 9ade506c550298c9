import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  EXECUTOR_OPERATION_KINDS,
  ExecutorCallback,
  ExecutorOperation,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signExecutorMessage,
  verifyExecutorMessage,
} from '@rcp/executor';
import { validTraceparent } from '@rcp/observability';
import { SimulatorEngine } from './engine';
import { Outcome, SimulatedWorld } from './world';

/** Largest request body the simulated executor reads. */
const MAX_REQUEST_BYTES = 256 * 1024;

export interface ExecutorServerOptions {
  world: SimulatedWorld;
  /** The HMAC key shared with the control plane (`EXECUTOR_SECRET`). */
  secret: string;
  port: number;
  host?: string;
  /** How often the world is moved along (operations completed, callbacks sent). */
  tickMs: number;
  /** How long a callback may take before it is tried again later. */
  callbackTimeoutMs: number;
  log?: (line: string) => void;
}

export interface RunningExecutor {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The simulated data plane behind the executor protocol, over HTTP (`npm run executor:sim`): a separate
 * process the control plane's `http` adapters talk to exactly as they would to a real executor.
 *
 * - `POST /operations` (signed): takes any operation of the protocol, `202` at once (a resent operation
 *   id changes nothing), and calls back the operation's `callbackUrl` when it completes, signed, with a
 *   `callbackId` that stays the same across retries of that callback (retried on 5xx, 409, 429 and
 *   network errors; another refusal is final);
 * - `GET /environments/{id}/state` and `GET /environments/{id}/metrics` (signed): what runs, and its
 *   request metrics;
 * - `PUT /environments/{id}/services/{service}/load` (signed, `{ "rps": 120 }`): the synthetic load on a
 *   service, for demos;
 * - `GET /healthz`.
 * Unsigned, stale or wrongly signed requests are `401`; a body over 256 KiB is `413`.
 */
export async function startExecutorServer(opts: ExecutorServerOptions): Promise<RunningExecutor> {
  const log = opts.log ?? (() => undefined);
  const engine = new SimulatorEngine(opts.world, (o) => callBack(o, opts.secret, opts.callbackTimeoutMs, log), opts.tickMs, (err) => log(`tick failed: ${String(err)}`));
  const server: Server = createServer((req, res) => {
    handle(req, opts)
      .then(({ status, body }) => reply(res, status, body))
      .catch((err: unknown) => {
        if (err instanceof HttpError) return reply(res, err.status, { error: err.message });
        log(`request failed: ${String(err)}`);
        reply(res, 500, { error: 'internal error' });
      });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '127.0.0.1', resolve));
  opts.world.onSubmitted = () => engine.nudge();
  engine.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: async () => {
      await engine.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections of the control plane's client would hold the server open: idle ones go now,
      // a request still being answered gets a moment to finish.
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(grace);
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' }).end(text);
}

async function handle(req: IncomingMessage, opts: ExecutorServerOptions): Promise<{ status: number; body?: unknown }> {
  const url = new URL(req.url ?? '/', 'http://executor');
  if (req.method === 'GET' && url.pathname === '/healthz') return { status: 200, body: { status: 'ok' } };
  const raw = await readBody(req);
  const check = verifyExecutorMessage(opts.secret, req.headers, { method: req.method ?? 'GET', path: req.url ?? '/', body: raw }, Math.floor(Date.now() / 1000));
  if (!check.ok) throw new HttpError(401, check.reason);
  let parts: string[];
  try {
    parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding');
  }
  if (req.method === 'POST' && url.pathname === '/operations') {
    const op = parseOperation(raw);
    const traceparent = typeof req.headers.traceparent === 'string' && validTraceparent(req.headers.traceparent) ? req.headers.traceparent : undefined;
    const taken = await opts.world.submit(op, op.callbackUrl, { traceparent });
    return { status: 202, body: { operationId: op.operationId, accepted: true, duplicate: !taken } };
  }
  if (req.method === 'GET' && parts.length === 3 && parts[0] === 'environments' && parts[2] === 'state') return { status: 200, body: await opts.world.actualState(parts[1]) };
  if (req.method === 'GET' && parts.length === 3 && parts[0] === 'environments' && parts[2] === 'metrics') return { status: 200, body: await opts.world.metrics(parts[1]) };
  if (req.method === 'PUT' && parts.length === 5 && parts[0] === 'environments' && parts[2] === 'services' && parts[4] === 'load') {
    const body = parseJson(raw) as { rps?: unknown };
    if (typeof body.rps !== 'number' || !Number.isFinite(body.rps) || body.rps < 0 || body.rps > 1_000_000) throw new HttpError(400, 'rps must be a number from 0 to 1000000');
    await opts.world.setLoad(parts[1], parts[3], body.rps);
    return { status: 204 };
  }
  throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new HttpError(413, `the body is over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

const isString = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isCount = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** Checks what the world relies on (the control plane is trusted to send the rest as documented). */
function parseOperation(raw: Buffer): ExecutorOperation {
  const op = parseJson(raw) as Record<string, unknown>;
  const bad = (what: string) => new HttpError(400, `invalid operation: ${what}`);
  if (!op || typeof op !== 'object') throw bad('not an object');
  if (!EXECUTOR_OPERATION_KINDS.includes(op.kind as never)) throw bad(`kind must be one of ${EXECUTOR_OPERATION_KINDS.join(', ')}`);
  if (!isString(op.operationId, 128)) throw bad('operationId');
  if (!isCount(op.attempt, 1000)) throw bad('attempt');
  if (!isString(op.callbackUrl, 2048) || !/^https?:\/\//.test(op.callbackUrl)) throw bad('callbackUrl');
  if (op.kind === 'provision' || op.kind === 'decommission') {
    const env = op.environment as Record<string, unknown> | undefined;
    if (!env || !isString(env.id) || !isString(env.tenantId)) throw bad('environment');
    if (!env.labels || typeof env.labels !== 'object') throw bad('environment.labels');
    if (!isCount(op.round, 100_000)) throw bad('round');
    return op as unknown as ExecutorOperation;
  }
  if (!isString(op.environmentId) || !isString(op.service, 128)) throw bad('environmentId and service');
  if (op.kind === 'apply-revision') {
    const s = op.spec as Record<string, unknown> | undefined;
    if (!s || !isString(s.revision, 128) || !isString(s.image, 512)) throw bad('spec.revision and spec.image');
    if (!isCount(s.replicas, 10_000) || !isCount(s.trafficWeight, 100)) throw bad('spec.replicas (0–10000) and spec.trafficWeight (0–100)');
    if (!Array.isArray(s.secretRefs)) throw bad('spec.secretRefs');
    if (s.configChecksum !== null && !isString(s.configChecksum, 128)) throw bad('spec.configChecksum');
  }
  if (op.kind === 'scale' && !isCount(op.replicas, 10_000)) throw bad('replicas (0–10000)');
  if (op.revision !== undefined && !isString(op.revision, 128)) throw bad('revision');
  return op as unknown as ExecutorOperation;
}

/** Reports an outcome on its callback URL, signed; a 5xx, 409 or 429 answer (or none) is tried again later. */
async function callBack(o: Outcome, secret: string, timeoutMs: number, log: (line: string) => void): Promise<void> {
  if (!o.callbackUrl) return;
  const callback: ExecutorCallback = o.succeeded ? { callbackId: `cb-${o.operationId}`, status: 'succeeded' } : { callbackId: `cb-${o.operationId}`, status: 'failed', reason: o.reason ?? 'failed' };
  const body = JSON.stringify(callback);
  const target = new URL(o.callbackUrl);
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signExecutorMessage(secret, ts, { method: 'POST', path: `${target.pathname}${target.search}`, body }),
      // The operation's request came with one: the callback continues that trace.
      ...(o.traceparent ? { traceparent: o.traceparent } : {}),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return;
  // As the protocol asks of executors: retry on 5xx, 409 and 429; any other refusal is final.
  if (res.status >= 500 || res.status === 409 || res.status === 429) throw new Error(`callback for ${o.operationId} answered HTTP ${res.status}`);
  log(`callback for ${o.operationId} refused with HTTP ${res.status}; not sent again`);
}
