import { Webhook } from 'standardwebhooks';
import { DomainError } from '@rcp/ddd';
import { parseSchedule, retryDelayMs } from './retry-schedule';
import { isPublicAddress } from './target-address';
import { newWebhookSecret, signedHeaders, verify } from './webhook-signature';
import { targetOf, validateWebhookUrl } from './webhook-subscription.aggregate';
import { T0, aSubscription } from './webhooks.mother';

const code = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'none';
};

describe('webhook signatures', () => {
  it('are what the standardwebhooks package verifies, with either secret while two sign', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"specversion":"1.0","id":"e-1"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([a, b], 'e-1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toEqual({ specversion: '1.0', id: 'e-1' });
    expect(new Webhook(b).verify(body, headers)).toEqual({ specversion: '1.0', id: 'e-1' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(verify(a, 'e-1', now, body, headers['webhook-signature'])).toBe(true);
    expect(verify(a, 'e-1', now, `${body} `, headers['webhook-signature'])).toBe(false);
  });
});

describe('the retry schedule', () => {
  it('parses durations and jitters each wait by ±20 %, ending in a dead letter', () => {
    const s = parseSchedule('5s,5m,30m,2h,5h,10h');
    expect(s).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000]);
    expect(retryDelayMs(s, 1, () => 0)).toBe(4_000);
    expect(retryDelayMs(s, 1, () => 1)).toBe(6_000);
    expect(retryDelayMs(s, 6, () => 0.5)).toBe(36_000_000);
    expect(retryDelayMs(s, 7)).toBeNull();
    expect(() => parseSchedule('5 parsecs')).toThrow();
  });
});

describe('the SSRF guard\'s address check', () => {
  it.each([
    ['127.0.0.1', false], ['10.1.2.3', false], ['172.16.0.1', false], ['172.31.255.255', false], ['192.168.1.1', false], ['169.254.169.254', false],
    ['100.64.0.1', false], ['0.0.0.0', false], ['224.0.0.1', false], ['::1', false], ['fe80::1', false], ['fd00::1', false], ['::ffff:10.0.0.1', false],
    ['2001:db8::1', false], ['not-an-ip', false], ['8.8.8.8', true], ['172.32.0.1', true], ['2606:4700:4700::1111', true], ['::ffff:8.8.8.8', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('a webhook subscription', () => {
  it('takes https URLs without credentials or fragment, and shows events only their scheme, host and path', () => {
    expect(validateWebhookUrl('https://hooks.example.com/rcp?token=abc', false)).toBe('https://hooks.example.com/rcp?token=abc');
    expect(code(() => validateWebhookUrl('http://hooks.example.com/rcp', false))).toBe('validation_failed');
    expect(validateWebhookUrl('http://127.0.0.1:9000/rcp', true)).toBe('http://127.0.0.1:9000/rcp');
    expect(code(() => validateWebhookUrl('https://u:p@hooks.example.com/', false))).toBe('validation_failed');
    expect(code(() => validateWebhookUrl('https://hooks.example.com/#x', false))).toBe('validation_failed');
    expect(code(() => validateWebhookUrl('hooks', false))).toBe('validation_failed');
    expect(targetOf('https://hooks.example.com/rcp?token=abc')).toBe('https://hooks.example.com/rcp');
    const s = aSubscription();
    expect(s.pullEvents().map((e) => [e.name, e.payload])).toEqual([['WebhookSubscriptionCreated', { tenantId: 'acme', target: 'https://hooks.example.com/rcp', eventTypes: ['rcp.deployment.*'], createdBy: 'admin@acme' }]]);
  });

  it('signs with both secrets until the overlap ends', () => {
    const s = aSubscription();
    s.rotateSecret('v1.new', new Date(T0.getTime() + 60_000), 'admin@acme', T0);
    expect(s.signingSecrets(new Date(T0.getTime() + 59_000))).toEqual(['v1.new', 'v1.sealed']);
    expect(s.signingSecrets(new Date(T0.getTime() + 60_000))).toEqual(['v1.new']);
  });

  it('is disabled after the given dead letters in a row; a delivery in between resets the count', () => {
    const s = aSubscription();
    s.pullEvents();
    s.deadLettered(3, T0);
    s.deadLettered(3, T0);
    expect(s.delivered(T0)).toBe(true);
    s.deadLettered(3, T0);
    s.deadLettered(3, T0);
    expect(s.state).toBe('active');
    s.deadLettered(3, T0);
    expect(s.state).toBe('disabled');
    expect(s.pullEvents().map((e) => e.name)).toEqual(['WebhookSubscriptionDisabled']);
    s.delete('admin@acme', T0);
    expect(code(() => s.delete('admin@acme', T0))).toBe('invalid_state_transition');
    expect(code(() => aSubscription({ eventTypes: [] }))).toBe('validation_failed');
  });
});
