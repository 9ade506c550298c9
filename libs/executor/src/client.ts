import { sanitizeOutsideText } from '@rcp/ddd';
import { SpanKind, TracedSpan, withSpan } from '@rcp/observability';
import { ExecutorOperation } from './protocol';
import { IDEMPOTENCY_KEY_HEADER, OPERATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signExecutorMessage } from './signature';

/** Most bytes of an executor's answer ever read (the rest is discarded unread). */
export const MAX_EXECUTOR_RESPONSE_BYTES = 64 * 1024;
/** How much of a refusal's body the operator log shows. */
const LOGGED_BODY_CHARS = 300;

export interface ExecutorEndpoint {
  /** Base URL of the executor (`EXECUTOR_URL`). */
  url: string;
  /** The HMAC key shared with it (`EXECUTOR_SECRET`). */
  secret: string;
  /** How long one exchange may take, body included (`EXECUTOR_TIMEOUT_MS`). */
  timeoutMs: number;
}

/**
 * The executor could not be asked, or its answer was not usable. `publicReason` comes from a fixed
 * vocabulary (`executor returned HTTP 502`, `executor timed out`, `executor unreachable`, `executor
 * response invalid`, `executor not configured`) and is all a tenant may see; the detail went to the
 * operator log, redacted.
 */
export class ExecutorUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
    this.name = 'ExecutorUnavailableError';
  }
}

/**
 * The one way the control plane calls an executor (`docs/executor-protocol.md`), for every context's
 * `http` adapter: each request signed (timestamp, method, path, body), redirects never followed (a 3xx
 * is a failure, so a signed body never goes elsewhere), at most {@link MAX_EXECUTOR_RESPONSE_BYTES} of an
 * answer read, and the whole exchange bounded by the endpoint's time limit. The executor's words and the
 * error underneath go to `warn` (the operator log) with URLs, addresses and the secret redacted; the
 * caller gets an {@link ExecutorUnavailableError} with a fixed phrase.
 */
export class ExecutorClient {
  constructor(
    private readonly endpoint: () => ExecutorEndpoint,
    private readonly warn: (message: string) => void,
  ) {}

  /** Hands an operation over (`POST /operations`): returns once the executor took it (2xx). */
  send(op: ExecutorOperation, call: { idempotencyKey?: string } = {}): Promise<void> {
    return withSpan(
      `executor ${op.kind}`,
      { 'http.request.method': 'POST', 'url.path': '/operations', 'rcp.executor': 'http', 'rcp.executor.operation.kind': op.kind, 'rcp.executor.operation.id': op.operationId },
      async (traced) => {
        const body = JSON.stringify(op);
        const res = await this.exchange('POST', '/operations', body, `${op.kind} operation ${op.operationId} (attempt ${op.attempt})`, {
          'content-type': 'application/json',
          [OPERATION_HEADER]: op.operationId,
          ...(call.idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: call.idempotencyKey } : {}),
          ...traceHeader(traced),
        });
        traced?.span.setAttribute('http.response.status_code', res.response.status);
        await res.response.body?.cancel().catch(() => undefined);
      },
      { kind: SpanKind.CLIENT },
    );
  }

  /** Reads a document (`GET <path>`, e.g. `/environments/{id}/state`) and parses its JSON. */
  read<T>(path: string, what: string): Promise<T> {
    return withSpan(
      `executor GET ${path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')}`,
      { 'http.request.method': 'GET', 'url.path': path, 'rcp.executor': 'http' },
      (traced) => this.readIn<T>(path, what, traced),
      { kind: SpanKind.CLIENT },
    );
  }

  private async readIn<T>(path: string, what: string, traced: TracedSpan | undefined): Promise<T> {
    const { response, signal, fail } = await this.exchange('GET', path, '', what, { accept: 'application/json', ...traceHeader(traced) });
    traced?.span.setAttribute('http.response.status_code', response.status);
    let answer: { text: string; truncated: boolean };
    try {
      answer = await readCapped(response.body, MAX_EXECUTOR_RESPONSE_BYTES);
    } catch (err) {
      throw this.classify(err, signal, fail, response.status);
    }
    if (answer.truncated) throw fail('executor response invalid', `the answer is over ${MAX_EXECUTOR_RESPONSE_BYTES} bytes`);
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw fail('executor response invalid', `the answer is not JSON: ${redact(answer.text)}`);
    }
  }

  private async exchange(method: 'GET' | 'POST', path: string, body: string, what: string, headers: Record<string, string>) {
    const { url, secret, timeoutMs } = this.endpoint();
    const fail = (publicReason: string, detail: string): ExecutorUnavailableError => {
      this.warn(`executor: ${what}: ${publicReason}; ${detail.split(secret || '\u0000').join('[REDACTED]')}`);
      return new ExecutorUnavailableError(publicReason);
    };
    if (!url || !secret) throw fail('executor not configured', 'EXECUTOR_URL and EXECUTOR_SECRET are required');
    const target = new URL(`${url.replace(/\/+$/, '')}${path}`);
    const timestamp = Math.floor(Date.now() / 1000);
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: {
          'user-agent': 'rcp-control-plane',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signExecutorMessage(secret, timestamp, { method, path: `${target.pathname}${target.search}`, body }),
          ...headers,
        },
        body: method === 'GET' ? undefined : body,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw this.classify(err, signal, fail);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw fail(`executor returned HTTP ${response.status} (redirects are not followed)`, `a redirect to ${redact(response.headers.get('location') ?? 'nowhere')} was ignored`);
    }
    if (response.status < 200 || response.status >= 300) {
      let answer: { text: string; truncated: boolean };
      try {
        answer = await readCapped(response.body, MAX_EXECUTOR_RESPONSE_BYTES);
      } catch (err) {
        throw this.classify(err, signal, fail, response.status);
      }
      throw fail(`executor returned HTTP ${response.status}`, `body${answer.truncated ? ` (over ${MAX_EXECUTOR_RESPONSE_BYTES} bytes, cut)` : ''}: ${redact(answer.text) || '(empty)'}`);
    }
    return { response, signal, fail };
  }

  private classify(err: unknown, signal: AbortSignal, fail: (publicReason: string, detail: string) => ExecutorUnavailableError, status?: number): ExecutorUnavailableError {
    const cause = ((err as { cause?: unknown })?.cause ?? err) as { code?: string; message?: string; name?: string };
    const detail = redact(`${cause?.code ?? cause?.name ?? 'error'}: ${cause?.message ?? String(err)}`);
    if (signal.aborted) return fail('executor timed out', `no complete answer within ${this.endpoint().timeoutMs} ms${status ? ` (HTTP ${status} headers came, the body did not)` : ''}`);
    if (status !== undefined) return fail(`executor returned HTTP ${status}`, `reading the body failed: ${detail}`);
    const code = cause?.code ?? '';
    if (code.startsWith('HPE_') || INVALID_RESPONSE_CODES.has(code)) return fail('executor response invalid', detail);
    return fail('executor unreachable', detail);
  }
}

/**
 * With tracing on, a call carries its span as the W3C `traceparent` header (not signed: it changes
 * nothing the executor does), so an executor that traces continues the trace, and one that sends it back
 * on its callback joins the callback's request to it.
 */
const traceHeader = (traced: TracedSpan | undefined): Record<string, string> => (traced ? { traceparent: traced.traceparent } : {});

/** undici error codes that mean the executor answered, but not with valid HTTP. */
const INVALID_RESPONSE_CODES = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_INFO']);

/** Reads at most `max` bytes of a body and discards the rest unread. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: '', truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > max) {
        chunks.push(value.subarray(0, max - size));
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** Operator-log form of text the executor or the network produced: no control characters, no URLs or addresses, short. */
const redact = (text: string) => sanitizeOutsideText(text, LOGGED_BODY_CHARS);
