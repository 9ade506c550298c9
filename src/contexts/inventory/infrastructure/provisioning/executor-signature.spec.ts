import { createHmac } from 'node:crypto';
import { signExecutorMessage, verifyExecutorMessage } from './executor-signature';

const secret = 'shared-secret';
const body = Buffer.from('{"callbackId":"cb-1","status":"succeeded"}');
const now = 1_768_473_000;
const headers = (ts: number, sig: string) => ({ 'x-rcp-timestamp': String(ts), 'x-rcp-signature': sig });

describe('executor signature (HMAC-SHA256 over "<timestamp>.<raw body>")', () => {
  it('signs as documented, so an executor can implement it from the docs alone', () => {
    const expected = `v1=${createHmac('sha256', secret).update(`${now}.${body.toString()}`).digest('hex')}`;
    expect(signExecutorMessage(secret, now, body)).toBe(expected);
    expect(signExecutorMessage(secret, now, body.toString())).toBe(expected);
  });

  it('accepts a message signed with the secret within the tolerance', () => {
    expect(verifyExecutorMessage(secret, headers(now - 120, signExecutorMessage(secret, now - 120, body)), body, now)).toEqual({ ok: true });
  });

  it.each([
    ['another secret', headers(now, signExecutorMessage('other', now, body)), body, 'the signature does not match'],
    ['a changed body', headers(now, signExecutorMessage(secret, now, body)), Buffer.from('{"callbackId":"cb-1","status":"failed"}'), 'the signature does not match'],
    ['a re-dated message', headers(now + 1, signExecutorMessage(secret, now, body)), body, 'the signature does not match'],
    ['an old timestamp', headers(now - 301, signExecutorMessage(secret, now - 301, body)), body, 'x-rcp-timestamp is outside the tolerance of 300 s'],
    ['no signature', { 'x-rcp-timestamp': String(now) }, body, 'x-rcp-signature is missing'],
    ['no timestamp', { 'x-rcp-signature': 'v1=00' }, body, 'x-rcp-timestamp is missing or not a Unix timestamp'],
    ['a truncated signature', headers(now, signExecutorMessage(secret, now, body).slice(0, 20)), body, 'the signature does not match'],
  ])('refuses %s', (_, h, b, reason) => {
    expect(verifyExecutorMessage(secret, h, b, now)).toEqual({ ok: false, reason });
  });

  it('refuses everything when no secret is configured', () => {
    expect(verifyExecutorMessage('', headers(now, signExecutorMessage('', now, body)), body, now)).toMatchObject({ ok: false });
  });
});
