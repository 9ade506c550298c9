import { randomUUID } from 'node:crypto';
import { eventually, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(120_000);

/**
 * The pull feed as consumers use it: a long poll answered when an event commits, or empty when its wait
 * ends; and a consumer paging through thousands of events with a small page, restarting from the
 * cursor it stored, seeing each of its tenant's events exactly once, in commit order, and none of
 * another tenant's.
 */
describe('Event feed consumers (e2e)', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({ RELAY_IDLE_MAX_MS: '50' });
  });
  afterAll(() => t.close());

  const tenant = () => `feed-${randomUUID().slice(0, 8)}`;
  const onboard = async (id: string) => {
    const admin = t.token({ roles: ['platform:admin'] });
    await t.http().post('/v1/tenants').set('authorization', `Bearer ${admin}`).send({ id, displayName: id, isolationMode: 'shared', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 } }).expect(201);
  };
  const viewer = (id: string) => t.token({ tenantId: id, roles: ['tenant:viewer'] });
  const caughtUp = async (token: string): Promise<string> => {
    let after = '';
    for (;;) {
      const page = await t.http().get(`/v1/events?limit=200${after ? `&after=${after}` : ''}`).set('authorization', `Bearer ${token}`);
      if (page.body.nextCursor === null) return page.body.resumeAfter;
      after = page.body.nextCursor;
    }
  };

  it('holds a caught-up long poll until an event of the tenant commits, and answers it then', async () => {
    const id = tenant();
    await onboard(id);
    await eventually(async () => (await t.http().get('/v1/events').set('authorization', `Bearer ${viewer(id)}`)).body.items.length === 1, 10_000, 50, 'the onboarding event');
    const resume = await caughtUp(viewer(id));
    const started = Date.now();
    const waiting = t.http().get(`/v1/events?after=${resume}&wait=20`).set('authorization', `Bearer ${viewer(id)}`);
    const admin = t.token({ roles: ['platform:admin'] });
    setTimeout(() => void t.http().post(`/v1/tenants/${id}/suspend`).set('authorization', `Bearer ${admin}`).send({ reason: 'long poll' }).then(() => undefined), 500);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { type: string }) => e.type)).toEqual(['rcp.tenancy.tenant-suspended.v1']);
    // Answered by the commit, not by the end of the wait.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('answers an empty page when the wait ends, and refuses a wait over 30 s', async () => {
    const id = tenant();
    await onboard(id);
    const resume = await caughtUp(viewer(id));
    const started = Date.now();
    const res = await t.http().get(`/v1/events?after=${resume}&wait=1`).set('authorization', `Bearer ${viewer(id)}`);
    expect(res.body).toEqual({ items: [], nextCursor: null, resumeAfter: resume });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    for (const wait of ['31', '-1', 'soon']) {
      const bad = await t.http().get(`/v1/events?wait=${wait}`).set('authorization', `Bearer ${viewer(id)}`);
      expect({ wait, status: bad.status, field: bad.body.errors?.[0]?.field }).toEqual({ wait, status: 400, field: 'wait' });
    }
  });

  it('lets a consumer page through 5,000 events with a small page, restart from its stored cursor halfway, and see each exactly once in commit order', async () => {
    const mine = tenant();
    const theirs = tenant();
    // 5,000 events of one tenant interleaved with 500 of another, committed in eleven transactions.
    const ids: string[] = [];
    for (let tx = 0; tx < 11; tx++) {
      const rows: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < 500; i++) {
        const tenantId = i % 10 === 0 && tx < 10 ? theirs : mine;
        const id = randomUUID();
        if (tenantId === mine) ids.push(id);
        const envelope = {
          specversion: '1.0', id, source: '/rcp/drift', type: 'rcp.drift.reconciliation-completed.v1', subject: id, time: new Date().toISOString(), datacontenttype: 'application/json',
          data: { environmentId: id, tenantId, projectId: 'web', trigger: 'scheduled', desiredRevision: 'a'.repeat(40), counts: { open: 0, detected: 0, resolved: 0, explained: 0, skipped: 0 } },
          tenantid: tenantId, projectid: 'web', moduleid: 'drift', traceparent: '00-00000000000000000000000000000001-0000000000000001-01', correlationid: id, aggregatetype: 'EnvironmentDrift', aggregateversion: '1',
        };
        const n = params.length;
        rows.push(`($${n + 1}::uuid, $${n + 2}, 'rcp.drift.reconciliation-completed.v1', 'EnvironmentDrift', $${n + 3}, 1, $${n + 4}::jsonb)`);
        params.push(id, tenantId, id, JSON.stringify(envelope));
      }
      await t.asOwner(`INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ${rows.join(', ')}`, params);
    }
    expect(ids).toHaveLength(5_000);
    await eventually(async () => Number((await t.asOwner(`SELECT count(*)::int AS n FROM platform.event_log WHERE tenant_id = $1`, [mine]))[0].n) === 5_000, 60_000, 200, 'the relay');

    const seen: string[] = [];
    const read = async (from: string | null, pages: number): Promise<string | null> => {
      let after = from;
      for (let p = 0; p < pages; p++) {
        const res = await t.http().get(`/v1/events?limit=97${after ? `&after=${after}` : ''}`).set('authorization', `Bearer ${viewer(mine)}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((e: { id: string; tenantid: string }) => (e.tenantid === mine ? e.id : `FOREIGN ${e.id}`)));
        if (res.body.nextCursor === null) return null;
        after = res.body.nextCursor;
      }
      return after;
    };
    // Half, then the consumer "restarts": it kept only the cursor of its last page.
    const stored = await read(null, 26);
    expect(stored).not.toBeNull();
    expect(await read(stored, 1000)).toBeNull();
    expect(seen).toEqual(ids);
    // The other tenant sees only its own.
    const other = await t.http().get('/v1/events?limit=200').set('authorization', `Bearer ${viewer(theirs)}`);
    expect(other.body.items.every((e: { tenantid: string }) => e.tenantid === theirs)).toBe(true);
    expect(other.body.items).toHaveLength(200);
  });
});
