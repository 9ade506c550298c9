import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { testSettings } from '@rcp/testing';
import { GuardedWebhookSender } from '../../../src/webhooks/infrastructure/guarded.webhook-sender';

/**
 * The webhook sender against real sockets on this machine: the SSRF guard refuses loopback, private and
 * link-local targets (names that resolve to them included) unless WEBHOOK_ALLOW_PRIVATE_TARGETS; a
 * redirect is a failed attempt, never followed; a receiver slower than WEBHOOK_TIMEOUT_MS fails the attempt.
 */
describe('webhook sender', () => {
  const guarded = new GuardedWebhookSender(testSettings({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }));
  const open = new GuardedWebhookSender(testSettings({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_MS: '300' }));

  it('refuses targets that are not public, by address or by the name they resolve to', async () => {
    for (const url of ['https://127.0.0.1/x', 'https://localhost/x', 'https://10.0.0.8/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://192.168.0.10/x']) {
      expect({ url, refused: await guarded.checkTarget(url) }).toEqual({ url, refused: expect.stringMatching(/not public/) });
    }
    expect(await guarded.checkTarget('https://no-such-host.invalid/x')).toMatch(/does not resolve/);
    const sent = await guarded.send('https://127.0.0.1:9/x', {}, '{}');
    expect(sent).toEqual({ status: null, latencyMs: 0, error: expect.stringMatching(/not public/) });
  });

  it('does not follow a redirect, and gives up on a receiver slower than the limit', async () => {
    let hits = 0;
    const timers: NodeJS.Timeout[] = [];
    const server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      else timers.push(setTimeout(() => res.writeHead(200).end(), 2_000));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await open.send(`${base}/redirect`, {}, '{}')).toMatchObject({ status: 302, error: 'the receiver answered 302 (redirects are not followed)' });
      expect(hits).toBe(1);
      expect(await open.send(`${base}/slow`, {}, '{}')).toMatchObject({ status: null, error: 'no answer within 300 ms' });
    } finally {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
