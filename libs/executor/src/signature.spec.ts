import { createHmac } from 'node:crypto';
import { basePathOf, signExecutorMessage, verifyExecutorMessage } from './signature';

const secret = 'shared-secret';
const body = Buffer.from('{"callbackId":"cb-1","status":"succeeded"}');
const path = '/v1/executor-callbacks/7f0e6d5c-4b3a-4291-8e7f-6a5b4c3d2e1f';
const msg = { method: 'POST', path, body };
const now = 1_768_473_000;
const headers = (ts: number, sig: string) => ({ 'x-rcp-timestamp': String(ts), 'x-rcp-signature': sig });

describe('executor signature (v2: HMAC-SHA256 over "<timestamp>\\n<METHOD>\\n<path>\\n<raw body>")', () => {
  it('signs as documented, so an executor can implement it from the docs alone', () => {
    const expected = `v2=${createHmac('sha256', secret).update(`${now}\nPOST\n${path}\n${body.toString()}`).digest('hex')}`;
    expect(signExecutorMessage(secret, now, msg)).toBe(expected);
    expect(signExecutorMessage(secret, now, { ...msg, body: body.toString() })).toBe(expected);
    expect(signExecutorMessage(secret, now, { ...msg, method: 'post' })).toBe(expected);
  });

  it('accepts a message signed with the secret within the tolerance', () => {
    expect(verifyExecutorMessage(secret, headers(now - 120, signExecutorMessage(secret, now - 120, msg)), msg, now)).toEqual({ ok: true });
  });

  const other = '/v1/executor-callbacks/0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a';
  it.each([
    ['another secret', headers(now, signExecutorMessage('other', now, msg)), msg, 'the signature does not match'],
    ['a changed body', headers(now, signExecutorMessage(secret, now, msg)), { ...msg, body: Buffer.from('{"callbackId":"cb-1","status":"failed"}') }, 'the signature does not match'],
    ['another operation\'s path', headers(now, signExecutorMessage(secret, now, msg)), { ...msg, path: other }, 'the signature does not match'],
    ['an added query string', headers(now, signExecutorMessage(secret, now, msg)), { ...msg, path: `${path}?x=1` }, 'the signature does not match'],
    ['another method', headers(now, signExecutorMessage(secret, now, msg)), { ...msg, method: 'PUT' }, 'the signature does not match'],
    ['a re-dated message', headers(now + 1, signExecutorMessage(secret, now, msg)), msg, 'the signature does not match'],
    ['an old timestamp', headers(now - 301, signExecutorMessage(secret, now - 301, msg)), msg, 'x-rcp-timestamp is outside the tolerance of 300 s'],
    ['no signature', { 'x-rcp-timestamp': String(now) }, msg, 'x-rcp-signature is missing'],
    ['no timestamp', { 'x-rcp-signature': 'v2=00' }, msg, 'x-rcp-timestamp is missing or not a Unix timestamp'],
    ['a truncated signature', headers(now, signExecutorMessage(secret, now, msg).slice(0, 20)), msg, 'the signature does not match'],
    [
      'the old v1 scheme (timestamp and body only)',
      headers(now, `v1=${createHmac('sha256', secret).update(`${now}.${body.toString()}`).digest('hex')}`),
      msg,
      'x-rcp-signature must be a v2 signature (HMAC of timestamp, method, path and body); see docs/executor-protocol.md',
    ],
  ])('refuses %s', (_, h, m, reason) => {
    expect(verifyExecutorMessage(secret, h, m, now)).toEqual({ ok: false, reason });
  });

  it('refuses everything when no secret is configured', () => {
    expect(verifyExecutorMessage('', headers(now, signExecutorMessage('', now, msg)), msg, now)).toMatchObject({ ok: false });
  });

  it('knows the path prefix a reverse proxy strips from the public base URL', () => {
    expect(basePathOf('https://cp.example.com')).toBe('');
    expect(basePathOf('https://cp.example.com/')).toBe('');
    expect(basePathOf('https://cp.example.com/rcp/')).toBe('/rcp');
  });
});
