import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme shared with an external executor, the same in both directions (the requests
 * the control plane sends it and the callbacks it sends back); `docs/executor-protocol.md` is the
 * executor author's copy:
 *
 * - `X-RCP-Timestamp`: Unix time in seconds when the message was sent;
 * - `X-RCP-Signature`: `v2=` + hex HMAC-SHA256, keyed with `EXECUTOR_SECRET`, of
 *   `<timestamp>\n<METHOD>\n<path>\n<raw body>`, where `path` is the request target as the sender
 *   addressed it (path and query of the URL, e.g. `/v1/executor-callbacks/<operationId>`).
 *
 * Method and path are inside the MAC, so a message signed for one operation cannot be re-sent to
 * another operation's URL (nor to another endpoint); the timestamp is inside it too, so a captured
 * message cannot be re-dated. Messages older or newer than the tolerance are refused, and each
 * callback carries a `callbackId` remembered once seen, so a replay within the tolerance changes
 * nothing either. The earlier `v1=` scheme (timestamp and body only) is refused.
 */
export const TIMESTAMP_HEADER = 'x-rcp-timestamp';
export const SIGNATURE_HEADER = 'x-rcp-signature';
export const OPERATION_HEADER = 'x-rcp-operation-id';
/** The dispatch job's idempotency key: the same for every try of that job (a header, outside the signature). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const SIGNATURE_VERSION = 'v2';

/** What a signature covers besides the timestamp. */
export interface ExecutorMessage {
  method: string;
  /** The request target: path and query, as the sender addressed it. */
  path: string;
  body: string | Buffer;
}

export function signExecutorMessage(secret: string, timestamp: number, msg: ExecutorMessage): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}\n${msg.method.toUpperCase()}\n${msg.path}\n`).update(msg.body).digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyExecutorMessage(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  msg: { method: string; path: string; body: Buffer | undefined },
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!secret) return { ok: false, reason: 'executor callbacks are not configured on this control plane (EXECUTOR_SECRET is empty)' };
  if (!msg.body) return { ok: false, reason: 'the raw request body is not available for verification' };
  const ts = single(headers[TIMESTAMP_HEADER]);
  const sig = single(headers[SIGNATURE_HEADER]);
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: `${TIMESTAMP_HEADER} is missing or not a Unix timestamp` };
  if (!sig) return { ok: false, reason: `${SIGNATURE_HEADER} is missing` };
  if (!sig.startsWith(`${SIGNATURE_VERSION}=`)) {
    return { ok: false, reason: `${SIGNATURE_HEADER} must be a ${SIGNATURE_VERSION} signature (HMAC of timestamp, method, path and body); see docs/executor-protocol.md` };
  }
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return { ok: false, reason: `${TIMESTAMP_HEADER} is outside the tolerance of ${toleranceSeconds} s` };
  const expected = Buffer.from(signExecutorMessage(secret, Number(ts), { method: msg.method, path: msg.path, body: msg.body }));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}

/**
 * The path prefix of a public base URL (`https://cp.example.com/rcp` → `/rcp`): a reverse proxy that
 * serves the control plane under a prefix strips it, but the executor signed the URL it was given.
 */
export function basePathOf(publicBaseUrl: string): string {
  try {
    return new URL(publicBaseUrl).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
