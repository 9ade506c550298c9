import { randomUUID } from 'node:crypto';
import { TransactionManager } from '@rcp/persistence';
import { startTestApp } from '@rcp/testing';
import { WebhookDeliveries } from '../../../src/webhooks/application/ports/webhook-deliveries.port';
import { WebhookSubscription } from '../../../src/webhooks/domain/webhook-subscription.aggregate';
import { WebhookSubscriptionRepository } from '../../../src/webhooks/domain/webhooks.repository';
import { WebhookRetention } from '../../../src/webhooks/application/webhook-retention';

type App = Awaited<ReturnType<typeof startTestApp>>;

/**
 * The fan-out on a real database, driven by hand (an api-role app runs no loop of its own): the event
 * log after the cursor becomes one delivery per matching subscription — by type or prefix, by project,
 * of the event's tenant, created before the event — in batches that move the cursor in the same
 * transaction, so nothing is fanned out twice; and two workers never hold the cursor at once.
 */
describe('webhook fan-out', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });
  afterAll(() => t.close());

  const tx = () => t.app.get(TransactionManager);
  const PLATFORM = { tenantId: null, platform: true } as const;
  const subscribe = async (tenantId: string, eventTypes: string[], projectIds: string[] | null = null, at = new Date(Date.now() - 60_000)) => {
    const s = WebhookSubscription.create({ id: randomUUID(), tenantId, projectIds, url: 'http://127.0.0.1:9/hook', eventTypes, description: null, sealedSecret: 'v1.x.y.z', createdBy: 'test' }, at);
    await tx().run(() => t.app.get(WebhookSubscriptionRepository).save(s), { tenantId, platform: false });
    return s.id;
  };
  let position = 0;
  const logged = async (tenantId: string | null, type: string, projectId: string | null = 'web', recordedAt = new Date()) => {
    if (position === 0) position = Number((await t.asOwner(`SELECT coalesce(max(position), 0)::int AS p FROM platform.event_log`))[0].p);
    const id = randomUUID();
    const envelope = { specversion: '1.0', id, type, source: '/test', ...(tenantId ? { tenantid: tenantId } : {}), ...(projectId ? { projectid: projectId } : {}), data: {} };
    await t.asOwner(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at) VALUES ($1, $2::uuid, $3, $4, 'Test', $7, 1, $5::jsonb, $6)`,
      [++position, id, tenantId, type, JSON.stringify(envelope), recordedAt, id],
    );
    return id;
  };
  const fanOut = (batch = 1000) => tx().run(() => t.app.get(WebhookDeliveries).fanOut(batch), PLATFORM);
  const deliveriesOf = async (subscriptionId: string): Promise<string[]> =>
    (await t.asOwner(`SELECT event_id FROM webhooks.deliveries WHERE subscription_id = $1 ORDER BY created_at, event_id`, [subscriptionId])).map((r: { event_id: string }) => r.event_id);

  it('makes one delivery per matching subscription and event, once, in batches that move the cursor', async () => {
    await fanOut(100_000); // whatever the log held before
    const all = await subscribe('acme', ['rcp.deployment.*']);
    const exact = await subscribe('acme', ['rcp.deployment.deployment-succeeded.v1']);
    const shopOnly = await subscribe('acme', ['rcp.deployment.*'], ['shop']);
    const other = await subscribe('globex', ['rcp.deployment.*']);
    const e1 = await logged('acme', 'rcp.deployment.deployment-succeeded.v1', 'web');
    const e2 = await logged('acme', 'rcp.deployment.deployment-failed.v1', 'shop');
    await logged('acme', 'rcp.inventory.environment-ready.v1', 'shop');
    await logged(null, 'rcp.deployment.deployment-failed.v1', null);
    const e5 = await logged('globex', 'rcp.deployment.deployment-created.v1');

    expect(await fanOut(2)).toEqual({ events: 2, deliveries: 4 });
    expect(await fanOut(2)).toEqual({ events: 2, deliveries: 0 });
    expect(await fanOut(2)).toEqual({ events: 1, deliveries: 1 });
    expect(await fanOut(2)).toEqual({ events: 0, deliveries: 0 });
    expect((await deliveriesOf(all)).sort()).toEqual([e1, e2].sort());
    expect(await deliveriesOf(exact)).toEqual([e1]);
    expect(await deliveriesOf(shopOnly)).toEqual([e2]);
    expect(await deliveriesOf(other)).toEqual([e5]);
    // Moving the cursor back (a worker that crashed before its commit would never have moved it) makes nothing twice.
    await t.asOwner(`UPDATE webhooks.fanout_cursor SET position = position - 5`);
    expect(await fanOut()).toEqual({ events: 5, deliveries: 0 });
  });

  it('does not send a subscription the events from before it was created', async () => {
    await fanOut(100_000);
    const early = await logged('initech', 'rcp.deployment.deployment-succeeded.v1', 'web', new Date(Date.now() - 3_600_000));
    const sub = await subscribe('initech', ['rcp.*'], null, new Date(Date.now() - 60_000));
    const late = await logged('initech', 'rcp.deployment.deployment-succeeded.v1');
    await fanOut();
    expect(await deliveriesOf(sub)).toEqual([late]);
    expect(await deliveriesOf(sub)).not.toContain(early);
  });

  it('lets one worker hold the cursor at a time: the other skips', async () => {
    const first = tx().run(async () => {
      const r = await t.app.get(WebhookDeliveries).fanOut(10);
      await new Promise((res) => setTimeout(res, 300));
      return r;
    }, PLATFORM);
    await new Promise((res) => setTimeout(res, 50));
    expect(await fanOut()).toBeNull();
    expect(await first).not.toBeNull();
  });
});

describe('webhook retention', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api', RETENTION_JOBS_DAYS: '7', RETENTION_DEAD_LETTER_DAYS: '30' });
  });
  afterAll(() => t.close());

  it('prunes delivered deliveries past the jobs window and dead letters past theirs, with their attempts, and keeps the rest', async () => {
    const tenantId = 'acme';
    const s = WebhookSubscription.create({ id: randomUUID(), tenantId, projectIds: null, url: 'http://127.0.0.1:9/hook', eventTypes: ['rcp.*'], description: null, sealedSecret: 'v1.x.y.z', createdBy: 'test' }, new Date());
    await t.app.get(TransactionManager).run(() => t.app.get(WebhookSubscriptionRepository).save(s), { tenantId, platform: false });
    const add = async (state: string, daysAgo: number) => {
      const id = randomUUID();
      await t.asOwner(
        `INSERT INTO webhooks.deliveries (id, subscription_id, tenant_id, event_id, event_type, envelope, state, attempts, failures, created_at, delivered_at, updated_at)
         VALUES ($1, $2, $3, $4, 'rcp.x.y.v1', '{}', $5, 1, 0, now() - make_interval(days => $6), CASE WHEN $5 = 'delivered' THEN now() - make_interval(days => $6) END, now() - make_interval(days => $6))`,
        [id, s.id, tenantId, randomUUID(), state, daysAgo],
      );
      await t.asOwner(`INSERT INTO webhooks.attempts (delivery_id, attempt, tenant_id, at, status, latency_ms) VALUES ($1, 1, $2, now(), 200, 1)`, [id, tenantId]);
      return id;
    };
    const oldDelivered = await Promise.all([add('delivered', 8), add('delivered', 9), add('delivered', 10)]);
    const recentDelivered = await add('delivered', 6);
    const oldDead = await add('dead_letter', 31);
    const recentDead = await add('dead_letter', 8);
    const pending = await add('pending', 100);
    expect(await t.app.get(WebhookRetention).prune()).toBe(4);
    const left = (await t.asOwner(`SELECT id FROM webhooks.deliveries WHERE subscription_id = $1`, [s.id])).map((r: { id: string }) => r.id);
    expect(left.sort()).toEqual([recentDelivered, recentDead, pending].sort());
    expect(left).not.toContain(oldDead);
    expect(oldDelivered.some((id) => left.includes(id))).toBe(false);
    expect((await t.asOwner(`SELECT count(*)::int AS n FROM webhooks.attempts WHERE delivery_id = ANY ($1::uuid[])`, [[...oldDelivered, oldDead]]))[0].n).toBe(0);
  });
});
