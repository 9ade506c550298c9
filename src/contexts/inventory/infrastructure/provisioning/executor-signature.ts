import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme shared with an external executor, in both directions (our requests to it and
 * its callbacks to us):
 *
 * - `X-RCP-Timestamp`: Unix time in seconds when the message was sent;
 * - `X-RCP-Signature`: `v1=` + hex HMAC-SHA256, keyed with `EXECUTOR_SECRET`, of `<timestamp>.<raw body>`.
 *
 * The timestamp is inside the MAC, so a captured message cannot be re-dated; messages older or newer
 * than the tolerance are refused, and each callback carries a `callbackId` remembered once applied, so
 * a replay within the tolerance changes nothing either.
 */
export const TIMESTAMP_HEADER = 'x-rcp-timestamp';
export const SIGNATURE_HEADER = 'x-rcp-signature';
export const OPERATION_HEADER = 'x-rcp-operation-id';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signExecutorMessage(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyExecutorMessage(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer | undefined,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!secret) return { ok: false, reason: 'executor callbacks are not configured on this control plane (EXECUTOR_SECRET is empty)' };
  if (!body) return { ok: false, reason: 'the raw request body is not available for verification' };
  const ts = single(headers[TIMESTAMP_HEADER]);
  const sig = single(headers[SIGNATURE_HEADER]);
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: `${TIMESTAMP_HEADER} is missing or not a Unix timestamp` };
  if (!sig) return { ok: false, reason: `${SIGNATURE_HEADER} is missing` };
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return { ok: false, reason: `${TIMESTAMP_HEADER} is outside the tolerance of ${toleranceSeconds} s` };
  const expected = Buffer.from(signExecutorMessage(secret, Number(ts), body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
