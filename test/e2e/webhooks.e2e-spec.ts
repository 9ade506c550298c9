import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { eventually, eventsOf, givenTenant, GivenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(60_000);

interface Received {
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A webhook receiver on 127.0.0.1 that answers what `answer` says (a status, or 'hang' to never answer). */
class Receiver {
  readonly got: Received[] = [];
  private server!: Server;
  private hanging: ServerResponse[] = [];
  /** Requests held open right now (hanging, not yet given up by the sender), and the most at once. */
  open = 0;
  maxOpen = 0;
  constructor(private answer: (n: number) => number | 'hang' = () => 200) {}
  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const a = this.answer(this.got.length + 1);
        this.got.push({ headers: req.headers as Record<string, string>, body, status: a === 'hang' ? 0 : a });
        if (a === 'hang') {
          this.hanging.push(res);
          this.maxOpen = Math.max(this.maxOpen, ++this.open);
          res.on('close', () => this.open--);
        } else res.writeHead(a).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook?token=abc`;
  }
  set(answer: (n: number) => number | 'hang'): void {
    this.answer = answer;
  }
  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/**
 * Webhooks over HTTP with receivers started by the test: every delivery verified with the official
 * `standardwebhooks` package and parsed with the `cloudevents` SDK (neither written here), retries until
 * a receiver recovers (delivered once, four attempts in the log), dead letters, disabling, manual retry,
 * secret rotation with both signatures, the SSRF and input refusals, and tenant isolation.
 */
describe('Webhooks (e2e)', () => {
  let t: App;
  const receivers: Receiver[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: '2',
      WEBHOOK_DISABLE_AFTER_DEAD_LETTERS: '2',
      RELAY_IDLE_MAX_MS: '50',
      DELIVERY_BACKOFF_BASE_MS: '10',
    });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await t.close();
  });

  const receiver = async (answer?: (n: number) => number | 'hang') => {
    const r = new Receiver(answer);
    receivers.push(r);
    return { r, url: await r.start() };
  };
  const subscribe = async (owner: GivenTenant, url: string, eventTypes = ['rcp.tenancy.*']) => {
    const res = await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.admin)).send({ url, eventTypes, description: 'test receiver' });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; version: number };
  };
  /** Makes one tenancy event of the tenant (a displayName change), returns nothing: the receiver tells. */
  let n = 0;
  const anEvent = async (owner: GivenTenant) => {
    const res = await t.http().patch(`/v1/tenants/${owner.id}`).set(bearer(platformTokens(t).admin)).send({ displayName: `Tenant ${owner.id} ${++n}` });
    expect(res.status).toBe(200);
  };
  const verified = (secret: string, got: Received) => new Webhook(secret).verify(got.body, got.headers) as Record<string, unknown>;

  it('delivers the tenant\'s events as CloudEvents signed per Standard Webhooks, which a tampered body or an old timestamp fails', async () => {
    const owner = await givenTenant(t);
    const { r, url } = await receiver();
    const sub = await subscribe(owner, url);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const got = await t.http().get(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(owner.viewer));
    expect(got.body).toMatchObject({ id: sub.id, state: 'active', eventTypes: ['rcp.tenancy.*'], url });
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(sub.secret.slice(6));

    await anEvent(owner);
    const delivery = await eventually(async () => r.got[0], 15_000, 50, 'a delivery');
    const payload = verified(sub.secret, delivery);
    expect(payload).toMatchObject({ specversion: '1.0', type: 'rcp.tenancy.tenant-renamed.v1', tenantid: owner.id });
    expect(delivery.headers['webhook-id']).toBe(payload.id);
    expect(delivery.headers['content-type']).toBe('application/cloudevents+json');
    const event = HTTP.toEvent({ headers: delivery.headers, body: delivery.body }) as CloudEvent<{ tenantId: string }>;
    expect(event.type).toBe('rcp.tenancy.tenant-renamed.v1');
    expect(event.tenantid).toBe(owner.id);
    expect(event.data).toMatchObject({ tenantId: owner.id });
    // Tampering and replays are caught by the receiver's library.
    expect(() => new Webhook(sub.secret).verify(delivery.body.replace(owner.id, 'someone-else'), delivery.headers)).toThrow();
    const old = { ...delivery.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
    expect(() => new Webhook(sub.secret).verify(delivery.body, old)).toThrow();
    // The log.
    const log = await eventually(async () => {
      const page = await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries`).set(bearer(owner.viewer));
      return page.body.items[0]?.state === 'delivered' ? page.body.items : undefined;
    }, 10_000, 50, 'the delivery log');
    expect(log[0]).toMatchObject({ eventId: payload.id, eventType: 'rcp.tenancy.tenant-renamed.v1', attempts: 1, lastStatus: 200, lastError: null });
  });

  it('retries a failing receiver until it answers: delivered exactly once in effect, four attempts in the log', async () => {
    const owner = await givenTenant(t);
    const { r, url } = await receiver((k) => (k <= 3 ? 500 : 204));
    const sub = await subscribe(owner, url);
    await anEvent(owner);
    await eventually(async () => r.got.length >= 4, 15_000, 50, 'four attempts');
    const ids = new Set(r.got.map((g) => g.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(r.got.filter((g) => g.status >= 200 && g.status < 300)).toHaveLength(1);
    const [{ id }] = (await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries`).set(bearer(owner.viewer))).body.items;
    const one = await eventually(async () => {
      const d = (await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries/${id}`).set(bearer(owner.viewer))).body;
      return d.state === 'delivered' ? d : undefined;
    }, 10_000, 50, 'delivered');
    expect(one.attempts).toBe(4);
    expect(one.log.map((a: { status: number }) => a.status)).toEqual([500, 500, 500, 204]);
    expect(one.log[0].error).toBe('the receiver answered 500');
  });

  it('dead-letters a delivery after its schedule, lets a person send it again, and disables a receiver that keeps failing', async () => {
    const owner = await givenTenant(t);
    const { r, url } = await receiver(() => 503);
    const sub = await subscribe(owner, url);
    await anEvent(owner);
    const dead = await eventually(async () => {
      const page = (await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries`).set(bearer(owner.viewer))).body.items;
      return page[0]?.state === 'dead_letter' ? page[0] : undefined;
    }, 15_000, 50, 'a dead letter');
    expect(dead).toMatchObject({ attempts: 4, lastStatus: 503, nextAttemptAt: null });
    // The receiver recovers; a person sends the dead letter again.
    r.set(() => 200);
    const retried = await t.http().post(`/v1/webhook-subscriptions/${sub.id}/deliveries/${dead.id}/retry`).set(bearer(owner.admin)).send({});
    expect(retried.status).toBe(202);
    expect(retried.body.state).toBe('pending');
    await eventually(async () => (await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries/${dead.id}`).set(bearer(owner.viewer))).body.state === 'delivered', 15_000, 50, 'delivered after the retry');
    expect((await t.http().post(`/v1/webhook-subscriptions/${sub.id}/deliveries/${dead.id}/retry`).set(bearer(owner.admin)).send({})).body).toMatchObject({ status: 409, code: 'invalid_state_transition' });
    // It fails again, for good: two dead letters in a row disable it, and an event says so.
    r.set(() => 500);
    await anEvent(owner);
    await anEvent(owner);
    const disabled = await eventually(async () => {
      const s = (await t.http().get(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(owner.viewer))).body;
      return s.state === 'disabled' ? s : undefined;
    }, 20_000, 100, 'the subscription disabled');
    expect(disabled.disabledReason).toMatch(/dead-lettered/);
    expect((await eventsOf(t, sub.id, 'rcp.webhooks.')).map((e) => e.type)).toEqual(['rcp.webhooks.subscription-created.v1', 'rcp.webhooks.subscription-disabled.v1']);
    const before = r.got.length;
    await anEvent(owner);
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.got.length).toBe(before);
  });

  it('signs with both secrets while a rotated one overlaps', async () => {
    const owner = await givenTenant(t);
    const { r, url } = await receiver();
    const sub = await subscribe(owner, url);
    expect((await t.http().post(`/v1/webhook-subscriptions/${sub.id}/rotate-secret`).set(bearer(owner.admin)).set('If-Match', `"${sub.version + 3}"`).send({})).body).toMatchObject({ status: 412, code: 'version_conflict' });
    const rotated = await t.http().post(`/v1/webhook-subscriptions/${sub.id}/rotate-secret`).set(bearer(owner.admin)).set('If-Match', `"${sub.version}"`).send({ overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(rotated.body.previousSecretUntil).toEqual(expect.any(String));
    await anEvent(owner);
    const delivery = await eventually(async () => r.got[0], 15_000, 50, 'a delivery');
    expect(delivery.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verified(rotated.body.secret, delivery)).toMatchObject({ type: 'rcp.tenancy.tenant-renamed.v1' });
    expect(verified(sub.secret, delivery)).toMatchObject({ type: 'rcp.tenancy.tenant-renamed.v1' });
    expect((await eventsOf(t, sub.id, 'rcp.webhooks.secret-rotated')).length).toBe(1);
  });

  it('keeps a hanging receiver from delaying another subscription', async () => {
    const owner = await givenTenant(t);
    const slow = await receiver(() => 'hang');
    const fast = await receiver();
    await subscribe(owner, slow.url);
    await subscribe(owner, fast.url);
    for (let i = 0; i < 6; i++) await anEvent(owner);
    await eventually(async () => fast.r.got.length >= 6, 15_000, 50, 'the healthy receiver got every event');
    // Meanwhile the hanging one holds no more than its share of the worker's slots at any moment
    // (attempts it times out, after WEBHOOK_TIMEOUT_MS, free their slot for its next ones).
    expect(slow.r.got.length).toBeGreaterThanOrEqual(1);
    expect(slow.r.maxOpen).toBeLessThanOrEqual(2);
  });

  it('refuses bad subscriptions with 400, readers and other tenants, and a missing token', async () => {
    const owner = await givenTenant(t);
    const other = await givenTenant(t);
    const { url } = await receiver();
    const bad = async (body: object, field: string) => {
      const res = await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.admin)).send(body);
      expect({ body, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ body, status: 400, field });
    };
    await bad({ url: 'ftp://hooks.example.com/x', eventTypes: ['rcp.tenancy.*'] }, 'url');
    await bad({ url: 'http://user:pw@127.0.0.1:9/x', eventTypes: ['rcp.tenancy.*'] }, 'url');
    await bad({ url: 'http://no-such-host.invalid/x', eventTypes: ['rcp.tenancy.*'] }, 'url');
    await bad({ url, eventTypes: ['rcp.tenancy.tenant-exploded.v1'] }, 'eventTypes[0]');
    await bad({ url, eventTypes: [] }, 'eventTypes');
    expect((await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.viewer)).send({ url, eventTypes: ['rcp.tenancy.*'] })).status).toBe(403);
    expect((await t.http().post('/v1/webhook-subscriptions').send({ url, eventTypes: ['rcp.tenancy.*'] })).status).toBe(401);
    const sub = await subscribe(owner, url);
    // An idempotent replay answers the same subscription, without its secret.
    const first = await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.admin)).set('Idempotency-Key', `k-${owner.id}`).send({ url, eventTypes: ['rcp.drift.*'] });
    const replay = await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.admin)).set('Idempotency-Key', `k-${owner.id}`).send({ url, eventTypes: ['rcp.drift.*'] });
    expect(first.body.secret).toMatch(/^whsec_/);
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.body).toMatchObject({ id: first.body.id, secret: null });
    expect((await t.http().delete(`/v1/webhook-subscriptions/${first.body.id}`).set(bearer(owner.admin)).set('If-Match', '"9"')).status).toBe(412);
    expect((await t.http().delete(`/v1/webhook-subscriptions/${first.body.id}`).set(bearer(owner.admin))).status).toBe(200);
    expect((await t.http().get(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(other.admin))).status).toBe(404);
    expect((await t.http().get(`/v1/webhook-subscriptions/${sub.id}/deliveries`).set(bearer(other.admin))).status).toBe(404);
    expect((await t.http().delete(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(other.admin))).status).toBe(404);
    expect((await t.http().get('/v1/webhook-subscriptions').set(bearer(other.admin))).body.items).toEqual([]);
    expect((await t.http().get('/v1/webhook-subscriptions').set(bearer(owner.viewer))).body.items.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    // A token limited to a project subscribes to that project's events; other projects' tokens do not see it.
    const scoped = await t.http().post('/v1/webhook-subscriptions').set(bearer(owner.token('tenant:admin', { projectIds: ['web'] }))).send({ url, eventTypes: ['rcp.inventory.*'] });
    expect(scoped.status).toBe(201);
    expect(scoped.body.projectIds).toEqual(['web']);
    expect((await t.http().get(`/v1/webhook-subscriptions/${scoped.body.id}`).set(bearer(owner.token('tenant:viewer', { projectIds: ['shop'] })))).status).toBe(404);
    expect((await t.http().get('/v1/webhook-subscriptions').set(bearer(owner.token('tenant:viewer', { projectIds: ['shop'] })))).body.items).toEqual([]);
    expect((await t.http().get('/v1/webhook-subscriptions').set(bearer(owner.token('tenant:viewer', { projectIds: ['web', 'shop'] })))).body.items.map((x: { id: string }) => x.id)).toEqual([scoped.body.id]);
    expect((await t.http().delete(`/v1/webhook-subscriptions/${scoped.body.id}`).set(bearer(owner.admin))).status).toBe(200);
    // Deleted: gone from the list, 404 after, audited.
    expect((await t.http().delete(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(owner.admin))).status).toBe(200);
    expect((await t.http().get(`/v1/webhook-subscriptions/${sub.id}`).set(bearer(owner.admin))).status).toBe(404);
    const audit = await t.asOwner(`SELECT action, result FROM platform.audit_log WHERE tenant_id = $1 AND action LIKE 'webhook-%' ORDER BY id`, [owner.id]);
    expect(audit.map((a: { action: string; result: string }) => `${a.action}:${a.result}`)).toEqual(
      expect.arrayContaining(['webhook-subscription.create:denied', 'webhook-subscription.create:allowed', 'webhook-subscription.delete:allowed']),
    );
    // The secret is in no audit row and no event.
    const leaks = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE details::text LIKE $1`, [`%${sub.secret.slice(6, 30)}%`]);
    expect(leaks[0].n).toBe(0);
    expect(JSON.stringify(await eventsOf(t, sub.id))).not.toContain(sub.secret.slice(6, 30));
  });
});
