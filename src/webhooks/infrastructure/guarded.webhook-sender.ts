import { Inject, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { SendOutcome, WebhookSender } from '../application/ports/webhook-sender.port';
import { isPublicAddress } from '../domain/target-address';

/** How much of a receiver's answer is read (and thrown away). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends deliveries with Node's own HTTP client: the host is resolved once, every address it resolves to
 * must be public (unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true), and the connection goes to that checked
 * address (no second lookup a rebinding DNS could answer differently). Redirects are not followed (a
 * 3xx is a failed attempt); the answer must come within WEBHOOK_TIMEOUT_MS. Outcomes are phrased here:
 * nothing the receiver says is stored or shown.
 */
@Injectable()
export class GuardedWebhookSender extends WebhookSender {
  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  private get allowPrivate(): boolean {
    return this.settings.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true';
  }

  async checkTarget(url: string): Promise<string | null> {
    const resolved = await this.resolve(url);
    return typeof resolved === 'string' ? resolved : null;
  }

  /** The address to connect to, or why not. */
  private async resolve(url: string): Promise<{ address: string; family: number } | string> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    let addresses: Array<{ address: string; family: number }>;
    try {
      addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
    } catch {
      return `the host ${host} does not resolve`;
    }
    if (addresses.length === 0) return `the host ${host} does not resolve`;
    if (!this.allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) return `the host ${host} resolves to an address that is not public (private, loopback, link-local or reserved)`;
    return addresses[0];
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const started = performance.now();
    const target = await this.resolve(url);
    if (typeof target === 'string') return { status: null, latencyMs: 0, error: target };
    const u = new URL(url);
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
      else callback(null, target.address, target.family);
    };
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<SendOutcome>((resolve) => {
      const finish = (status: number | null, error: string | null) => resolve({ status, latencyMs: Math.round(performance.now() - started), error });
      const req = request(
        u,
        {
          method: 'POST',
          lookup: pinned,
          timeout: this.settings.WEBHOOK_TIMEOUT_MS,
          headers: { ...headers, 'content-type': 'application/cloudevents+json', 'content-length': Buffer.byteLength(body), 'user-agent': 'rcp-webhooks/1' },
        },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('close', () => {
            const status = res.statusCode ?? null;
            if (status !== null && status >= 200 && status < 300) return finish(status, null);
            finish(status, status !== null && status >= 300 && status < 400 ? `the receiver answered ${status} (redirects are not followed)` : `the receiver answered ${status}`);
          });
        },
      );
      // The whole answer within the limit, not just each silence on the socket.
      const deadline = setTimeout(() => req.destroy(new Error('timeout')), this.settings.WEBHOOK_TIMEOUT_MS);
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => finish(null, err.message === 'timeout' ? `no answer within ${this.settings.WEBHOOK_TIMEOUT_MS} ms` : 'the receiver could not be reached'));
      req.end(body);
    });
  }
}
