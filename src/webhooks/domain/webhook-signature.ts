import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signing as Standard Webhooks specifies it (standardwebhooks.com): a secret `whsec_<base64 of 24 to 64
 * random bytes>`; the signed content `${webhook-id}.${webhook-timestamp}.${body}`; the header
 * `webhook-signature: v1,<base64 HMAC-SHA256>`, several space-separated while a rotated secret overlaps.
 */
export const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three Standard Webhooks headers of one attempt, signed with every secret given (the current one first). */
export function signedHeaders(secrets: string[], id: string, timestamp: number, body: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' ') };
}

/** Whether a `webhook-signature` header holds a valid v1 signature of the content with `secret` (constant time per candidate). */
export function verify(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(sign(secret, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
