/**
 * The demo's webhook receiver: a plain `node:http` server on 127.0.0.1 that checks every delivery's
 * Standard Webhooks signature with the `standardwebhooks` package (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`: HMAC-SHA256 of `id.timestamp.body` with the subscription's `whsec_` secret),
 * answers 204 to a good one and 401 to a bad one, and dedupes redeliveries on `webhook-id` (delivery
 * is at least once). A delivery that arrives before the secret is known (the subscription's answer
 * races its first delivery) waits for it.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { components } from './rcp-api';

/** The body of a delivery: the CloudEvent, as the event feed serves it. */
export type CloudEvent = components['schemas']['CloudEventResponse'];

export interface ReceivedEvent {
  /** `webhook-id`: the event id. */
  webhookId: string;
  type: string;
  subject: string;
  event: CloudEvent;
  receivedAt: Date;
  /** Deliveries of this event (more than one: a redelivery, deduped). */
  deliveries: number;
}

export class WebhookReceiver {
  /** Verified events, one per `webhook-id`, in the order they first arrived. */
  readonly events: ReceivedEvent[] = [];
  /** Deliveries whose signature did not verify (answered 401), with why. */
  readonly rejected: Array<{ webhookId: string | undefined; error: string }> = [];
  private server?: Server;
  private secret?: string;
  private secretKnown!: () => void;
  private readonly secretReady = new Promise<void>((resolve) => (this.secretKnown = resolve));
  private readonly waiters = new Set<() => void>();
  private reported = 0;

  /** Starts listening on 127.0.0.1 (a free port unless given); returns the URL to subscribe (already listening: its URL). */
  async start(port = 0): Promise<string> {
    if (this.server?.listening) return this.url();
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return this.url();
  }

  private url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/rcp-webhooks`;
  }

  /** The subscription's signing secret (`whsec_…`, shown once by POST /v1/webhook-subscriptions). */
  useSecret(secret: string): void {
    this.secret = secret;
    this.secretKnown();
  }

  /** Resolves with the first verified event that matches, or rejects after `timeoutMs`. */
  waitFor(what: string, match: (e: ReceivedEvent) => boolean, timeoutMs: number): Promise<ReceivedEvent> {
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.find(match);
        if (!e) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the webhook receiver got no ${what} within ${Math.round(timeoutMs / 1000)} s (it got ${this.events.length} events: ${summarize(this.events)})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** The events verified since the last call (for a step's report). */
  takeNew(): ReceivedEvent[] {
    const fresh = this.events.slice(this.reported);
    this.reported = this.events.length;
    return fresh;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const webhookId = headers['webhook-id'];
    if (!this.secret) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.secretReady, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
    }
    let event: CloudEvent;
    try {
      if (!this.secret) throw new Error('no subscription secret yet');
      event = new Webhook(this.secret).verify(body, headers) as CloudEvent;
    } catch (err) {
      this.rejected.push({ webhookId, error: (err as Error).message });
      res.writeHead(401).end();
      return;
    }
    const known = this.events.find((e) => e.webhookId === webhookId);
    if (known) known.deliveries += 1;
    else this.events.push({ webhookId, type: event.type, subject: event.subject, event, receivedAt: new Date(), deliveries: 1 });
    res.writeHead(204).end();
    for (const check of [...this.waiters]) check();
  }
}

/** `type ×n, …` in first-seen order, without the `rcp.` prefix and `.v1` suffix noise kept readable. */
export function summarize(events: ReceivedEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(', ') || 'none';
}
