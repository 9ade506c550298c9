import { eventually, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;
const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };

describe('Event feed, catalogue and deliveries API (e2e)', () => {
  let t: App;
  let admin: string;
  const http = () => t.http();

  beforeAll(async () => {
    t = await startTestApp();
    admin = t.token({ roles: ['platform:admin'] });
    for (const id of ['acme', 'globex']) {
      await http()
        .post('/v1/tenants')
        .set('authorization', `Bearer ${admin}`)
        .send({ id, displayName: id, isolationMode: 'shared', quotas })
        .expect(201);
    }
    await http().post('/v1/tenants/acme/suspend').set('authorization', `Bearer ${admin}`).send({}).expect(200);
    await http().post('/v1/tenants/acme/reactivate').set('authorization', `Bearer ${admin}`).send({}).expect(200);
    await eventually(async () => Number((await t.ds.query(`SELECT count(*) AS n FROM platform.event_log`))[0].n) === 4);
  });
  afterAll(() => t.close());

  it('serves a tenant its own events only, in commit order, page by page with a cursor', async () => {
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:viewer'] });
    const first = await http().get('/v1/events?limit=2').set('authorization', `Bearer ${acme}`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['rcp.tenancy.tenant-onboarded.v1', 'rcp.tenancy.tenant-suspended.v1']);
    expect(first.body.items.every((e: { tenantid: string }) => e.tenantid === 'acme')).toBe(true);
    const next = await http().get(`/v1/events?after=${first.body.nextCursor}`).set('authorization', `Bearer ${acme}`);
    expect(next.body.items.map((e: { type: string }) => e.type)).toEqual(['rcp.tenancy.tenant-reactivated.v1']);
    // Caught up: no next page (null), and resumeAfter is where to poll from later.
    expect(next.body.nextCursor).toBeNull();
    expect(next.body.resumeAfter).toEqual(expect.any(String));
    const caughtUp = await http().get(`/v1/events?after=${next.body.resumeAfter}`).set('authorization', `Bearer ${acme}`);
    expect(caughtUp.body).toEqual({ items: [], nextCursor: null, resumeAfter: next.body.resumeAfter });
    const exact = await http().get('/v1/events?type=rcp.tenancy.tenant-suspended.v1').set('authorization', `Bearer ${acme}`);
    expect(exact.body.items).toHaveLength(1);
    const all = await http().get('/v1/events').set('authorization', `Bearer ${admin}`);
    expect(all.body.items.map((e: { tenantid: string }) => e.tenantid).sort()).toEqual(['acme', 'acme', 'acme', 'globex']);
  });

  it('refuses a bad type filter or cursor (400) and anonymous callers (401)', async () => {
    const res = await http().get('/v1/events?type=DROP TABLE').set('authorization', `Bearer ${admin}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect((await http().get('/v1/events?after=not-a-cursor').set('authorization', `Bearer ${admin}`)).status).toBe(400);
    expect((await http().get('/v1/events?limit=500').set('authorization', `Bearer ${admin}`)).status).toBe(400);
    const anon = await http().get('/v1/events');
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('unauthenticated');
  });

  it('answers nextCursor only while more events wait, and always a resumeAfter position to poll from', async () => {
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:viewer'] });
    const first = await http().get('/v1/events?limit=2').set('authorization', `Bearer ${acme}`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(first.body.resumeAfter).toBe(first.body.nextCursor);
    const exactFit = await http().get('/v1/events?limit=3').set('authorization', `Bearer ${acme}`);
    expect(exactFit.body.items).toHaveLength(3);
    expect(exactFit.body.nextCursor).toBeNull();
    const fromStart = await http().get(`/v1/events?after=${exactFit.body.resumeAfter}`).set('authorization', `Bearer ${acme}`);
    expect(fromStart.body).toEqual({ items: [], nextCursor: null, resumeAfter: exactFit.body.resumeAfter });
    // A filtered consumer that is caught up resumes after the head, past the events its filter skipped.
    const nothing = await http().get('/v1/events?type=rcp.inventory.*').set('authorization', `Bearer ${acme}`);
    expect(nothing.body).toEqual({ items: [], nextCursor: null, resumeAfter: exactFit.body.resumeAfter });
  });

  it('takes its cursor as after only: cursor is refused with 400 naming it', async () => {
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:viewer'] });
    const first = await http().get('/v1/events?limit=1').set('authorization', `Bearer ${acme}`);
    const res = await http().get(`/v1/events?cursor=${first.body.nextCursor}`).set('authorization', `Bearer ${acme}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    const both = await http().get(`/v1/events?cursor=${first.body.nextCursor}&after=${first.body.nextCursor}`).set('authorization', `Bearer ${acme}`);
    expect(both.status).toBe(400);
  });

  it.each([
    ['a versionless type', 'rcp.inventory.environment-ready'],
    ['a context without .*', 'rcp.inventory'],
    ['version 0', 'rcp.tenancy.tenant-suspended.v0'],
    ['a bare rcp', 'rcp'],
    ['a wildcard in the middle', 'rcp.*.tenant-suspended.v1'],
    ['upper case', 'rcp.Tenancy.*'],
  ])('refuses %s as a type filter with 400 and says what a type looks like', async (_, type) => {
    const res = await http().get(`/v1/events?type=${encodeURIComponent(type)}`).set('authorization', `Bearer ${admin}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ field: 'type', message: expect.stringContaining('rcp.inventory.environment-ready.v1') }]);
  });

  it.each([
    ['every event', 'rcp.*', 4],
    ['a context', 'rcp.tenancy.*', 4],
    ['every version of one event', 'rcp.tenancy.tenant-suspended.*', 1],
    ['one event type', 'rcp.tenancy.tenant-onboarded.v1', 2],
    ['an unknown but well-formed type', 'rcp.inventory.environment-ready.v7', 0],
  ])('filters by %s (%s)', async (_, type, n) => {
    const res = await http().get(`/v1/events?type=${encodeURIComponent(type)}`).set('authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(n);
  });

  it('refuses an after it did not issue with 400 validation_failed, never a 500', async () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const after of [enc({ p: 'abc' }), enc({ p: -1 }), enc({ p: 1.5 }), enc({ p: 1, tenantId: 'globex' }), enc({}), enc(null), enc('p'), 'e30', '!!']) {
      const res = await http().get(`/v1/events?after=${encodeURIComponent(after)}`).set('authorization', `Bearer ${admin}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['after']);
    }
  });

  it('publishes an AsyncAPI 3.0 catalogue with a schema for every event type, without a token', async () => {
    const res = await http().get('/v1/event-catalog');
    expect(res.status).toBe(200);
    expect(res.body.asyncapi).toBe('3.0.0');
    const names = Object.values(res.body.components.messages as Record<string, { name: string; payload: { properties: { data: object } } }>);
    expect(names.map((m) => m.name)).toEqual(expect.arrayContaining(['rcp.tenancy.tenant-onboarded.v1', 'rcp.inventory.environment-ready.v1']));
    for (const m of names) expect(m.payload.properties.data).toEqual(expect.objectContaining({ type: 'object' }));
  });

  it('lists deliveries to platform roles only and refuses bad replays (400, 401, 403, 404)', async () => {
    const viewer = t.token({ roles: ['platform:viewer'] });
    const list = await http().get('/v1/event-deliveries?state=dead_letter').set('authorization', `Bearer ${viewer}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
    expect((await http().get('/v1/event-deliveries?state=done').set('authorization', `Bearer ${viewer}`)).status).toBe(400);
    const tenantAdmin = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    expect((await http().get('/v1/event-deliveries').set('authorization', `Bearer ${tenantAdmin}`)).status).toBe(403);
    expect((await http().post('/v1/event-deliveries/1/replay').set('authorization', `Bearer ${tenantAdmin}`)).status).toBe(403);
    expect((await http().post('/v1/event-deliveries/1/replay')).status).toBe(401);
    const missing = await http().post('/v1/event-deliveries/999999/replay').set('authorization', `Bearer ${admin}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'event-delivery.replay' AND result = 'denied'`);
    expect(n).toBe(3);
  });

  it('refuses bad skips of a delivery (400, 401, 403, 404), each audited', async () => {
    const tenantAdmin = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    const viewer = t.token({ roles: ['platform:viewer'] });
    expect((await http().post('/v1/event-deliveries/1/skip')).status).toBe(401);
    expect((await http().post('/v1/event-deliveries/1/skip').set('authorization', `Bearer ${tenantAdmin}`)).status).toBe(403);
    expect((await http().post('/v1/event-deliveries/1/skip').set('authorization', `Bearer ${viewer}`)).status).toBe(403);
    const malformed = await http().post('/v1/event-deliveries/one/skip').set('authorization', `Bearer ${admin}`);
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const missing = await http().post('/v1/event-deliveries/999999/skip').set('authorization', `Bearer ${admin}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'event-delivery.skip' AND result = 'denied'`);
    expect(n).toBe(5);
  });
});
