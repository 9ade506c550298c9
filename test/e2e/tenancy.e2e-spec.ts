import { delivered, eventsOf, eventually, givenTenant, platformTokens, startTestApp, uniqueId } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };

describe('Tenancy API (e2e)', () => {
  let t: App;
  let admin: string;
  let viewer: string;
  const http = () => t.http();

  beforeAll(async () => {
    t = await startTestApp();
    ({ admin, viewer } = platformTokens(t));
  });
  afterAll(() => t.close());

  const onboard = (id: string, body: object = {}) =>
    http()
      .post('/v1/tenants')
      .set('authorization', `Bearer ${admin}`)
      .send({ id, displayName: `Tenant ${id}`, isolationMode: 'pooled', quotas, ...body });
  const tenant = (opts: Parameters<typeof givenTenant>[1] = {}) => givenTenant(t, { quotas, ...opts });

  const auditRows = (target: string) =>
    t.ds.query(`SELECT action, result, status, code, actor, tenant_id FROM platform.audit_log WHERE target_id = $1 ORDER BY id`, [target]);

  it('onboards a tenant: 201, Location, ETag, placement from the isolation mode, and an audit row', async () => {
    const id = uniqueId();
    const res = await onboard(id, { isolationMode: 'siloed' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/tenants/${id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      id,
      isolationMode: 'siloed',
      placement: { model: 'dedicated', cluster: `silo-${id}`, dataStore: `db-${id}` },
      quotas,
      state: 'active',
      overQuota: false,
      version: 1,
    });
    expect(await auditRows(id)).toEqual([{ action: 'tenant.onboard', result: 'allowed', status: null, code: null, actor: 'ops@platform', tenant_id: id }]);
  });

  it('publishes rcp.tenancy.tenant-onboarded.v1 as a CloudEvent on the feed', async () => {
    const { id } = await tenant({ isolationMode: 'siloed' });
    const event = await eventually(async () => {
      const res = await http().get('/v1/events?type=rcp.tenancy.*&limit=200').set('authorization', `Bearer ${admin}`);
      return res.body.items.find((e: { subject: string }) => e.subject === id);
    });
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'rcp.tenancy.tenant-onboarded.v1',
      source: '/rcp/tenancy',
      tenantid: id,
      moduleid: 'tenancy',
      aggregateversion: '1',
      data: { tenantId: id, isolationMode: 'siloed', placement: { model: 'dedicated' } },
    });
  });

  it('refuses a duplicate tenant id with 409 and leaves no second row', async () => {
    const { id } = await tenant();
    const res = await onboard(id);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'precondition_failed', status: 409, reasons: [`tenant id ${id} is taken`] });
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM tenancy.tenant_bindings WHERE id = $1`, [id]);
    expect(n).toBe(1);
    const rows = await auditRows(id);
    expect(rows[rows.length - 1]).toMatchObject({ action: 'tenant.onboard', result: 'denied', status: 409, code: 'precondition_failed' });
  });

  it.each([
    ['an unknown isolation mode', { isolationMode: 'private' }, 'isolationMode'],
    ['a negative quota', { quotas: { ...quotas, maxEnvironments: -1 } }, 'quotas.maxEnvironments'],
    ['a bad id', { id: 'Not_A_Slug' }, 'id'],
    ['an unknown field', { plan: 'gold' }, 'plan'],
  ])('refuses %s with 400 validation_failed naming the field, and writes nothing', async (_, patch, field) => {
    const res = await onboard('bad-one', patch);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM tenancy.tenant_bindings WHERE id IN ('bad-one', 'Not_A_Slug')`);
    expect(n).toBe(0);
  });

  describe('the list of every tenant (an app of its own, so no other test adds to it)', () => {
    let own: App;
    beforeAll(async () => {
      own = await startTestApp();
    });
    afterAll(() => own.close());

    it('lists tenants for platform roles with cursor pagination', async () => {
      for (const id of ['acme', 'beta', 'gamma']) await givenTenant(own, { id, quotas });
      const http = () => own.http();
      const first = await http().get('/v1/tenants?limit=2').set('authorization', `Bearer ${viewer}`);
      expect(first.status).toBe(200);
      expect(first.body.items.map((x: { id: string }) => x.id)).toEqual(['acme', 'beta']);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await http().get(`/v1/tenants?limit=2&cursor=${first.body.nextCursor}`).set('authorization', `Bearer ${viewer}`);
      expect(second.body.items.map((x: { id: string }) => x.id)).toEqual(['gamma']);
      expect(second.body.nextCursor).toBeNull();
      const suspendedOnly = await http().get('/v1/tenants?state=suspended').set('authorization', `Bearer ${viewer}`);
      expect(suspendedOnly.body.items).toEqual([]);
    });
  });

  it('lets a tenant read its own binding and usage, and answers 404 for another tenant', async () => {
    const { id, viewer: own } = await tenant();
    const other = await tenant();
    const res = await http().get(`/v1/tenants/${id}`).set('authorization', `Bearer ${own}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const usage = await http().get(`/v1/tenants/${id}/usage`).set('authorization', `Bearer ${own}`);
    expect(usage.status).toBe(200);
    expect(usage.body).toEqual({
      tenantId: id,
      environments: { used: 0, limit: 3 },
      servicesPerEnvironment: { used: 0, limit: 10 },
      replicasPerService: { used: 0, limit: 5 },
      totalReplicas: { used: 0, limit: 50 },
      overQuota: false,
      exceeded: [],
    });
    const another = await http().get(`/v1/tenants/${other.id}`).set('authorization', `Bearer ${own}`);
    expect(another.status).toBe(404);
    expect(another.body.code).toBe('not_found');
    const list = await http().get('/v1/tenants').set('authorization', `Bearer ${own}`);
    expect(list.status).toBe(403);
  });

  it('refuses a tenants cursor it did not issue with 400 validation_failed, never a 500', async () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of [
      enc({ t: 'yesterday', id: 'acme' }),
      enc({ t: '2025-01-01T00:00:00.000Z', id: 'acme', state: 'active' }),
      enc({ t: '2025-01-01T00:00:00.000Z', id: 'Not A Slug' }),
      enc({ t: 5, id: 'acme' }),
      enc([1, 2]),
      'not-a-cursor!',
    ]) {
      const res = await http().get(`/v1/tenants?cursor=${encodeURIComponent(cursor)}`).set('authorization', `Bearer ${viewer}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    }
  });

  it('refuses tenant-wide usage to a token limited to projects (403 forbidden); its own binding stays readable', async () => {
    const beta = await tenant();
    const scoped = beta.token('tenant:admin', { projectIds: ['web'] });
    const usage = await http().get(`/v1/tenants/${beta.id}/usage`).set('authorization', `Bearer ${scoped}`);
    expect(usage.status).toBe(403);
    expect(usage.body.code).toBe('forbidden');
    expect(usage.body.environments).toBeUndefined();
    expect((await http().get(`/v1/tenants/${beta.id}`).set('authorization', `Bearer ${scoped}`)).status).toBe(200);
  });

  it('refuses tenant management to tenant tokens and viewers (403) and to anonymous callers (401)', async () => {
    const beta = await tenant();
    expect((await http().post(`/v1/tenants/${beta.id}/suspend`).set('authorization', `Bearer ${beta.admin}`).send({})).status).toBe(403);
    expect((await http().patch(`/v1/tenants/${beta.id}`).set('authorization', `Bearer ${viewer}`).send({ displayName: 'x' })).body.code).toBe('forbidden');
    const anon = await http().post('/v1/tenants').send({});
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('unauthenticated');
  });

  it('changes quotas and display name with If-Match, and refuses a stale If-Match with 412', async () => {
    const { id } = await tenant();
    const ok = await http()
      .patch(`/v1/tenants/${id}`)
      .set('authorization', `Bearer ${admin}`)
      .set('if-match', '"1"')
      .send({ displayName: 'Gamma Ltd', quotas: { ...quotas, maxEnvironments: 7 } });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.body).toMatchObject({ displayName: 'Gamma Ltd', quotas: { maxEnvironments: 7 }, version: 2 });
    const stale = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).set('if-match', '"1"').send({ displayName: 'Too late' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'version_conflict' });
    const after = await http().get(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`);
    expect(after.body.displayName).toBe('Gamma Ltd');
    const malformed = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).set('if-match', 'two').send({ displayName: 'x' });
    expect(malformed.status).toBe(400);
  });

  it('changes the isolation mode while the tenant has no live environments and publishes the new placement', async () => {
    const { id } = await tenant();
    const res = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).send({ isolationMode: 'siloed' });
    expect(res.status).toBe(200);
    expect(res.body.placement).toMatchObject({ model: 'dedicated', cluster: `silo-${id}` });
    const [event] = await eventsOf(t, id, 'rcp.tenancy.tenant-isolation-changed.v1');
    expect(event.data).toMatchObject({ tenantId: id, isolationMode: 'siloed', previousMode: 'pooled' });
  });

  /** Marks `n` environments of the tenant live in tenancy's usage read model. */
  const liveEnvironments = async (tenantId: string, n: number) => {
    for (let i = 0; i < n; i++) {
      await t.ds.query(`INSERT INTO tenancy.environment_usage (environment_id, tenant_id, project_id, live) VALUES ($1, $2, 'web', true)`, [uniqueId('env-live'), tenantId]);
    }
  };

  it('refuses an isolation change while environments are live (409 precondition_failed with reasons)', async () => {
    const { id } = await tenant();
    await liveEnvironments(id, 1);
    const res = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).send({ isolationMode: 'shared' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'precondition_failed', reasons: ['1 live environment(s) must be decommissioned first'] });
  });

  it('reports overQuota after a quota is lowered below usage', async () => {
    const { id } = await tenant();
    await liveEnvironments(id, 2);
    const res = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).send({ quotas: { ...quotas, maxEnvironments: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.overQuota).toBe(true);
    const usage = await http().get(`/v1/tenants/${id}/usage`).set('authorization', `Bearer ${admin}`);
    expect(usage.body).toMatchObject({ environments: { used: 2, limit: 1 }, overQuota: true, exceeded: ['maxEnvironments'] });
  });

  it('suspends a tenant: its tokens can read but a mutation gets 403 tenant_suspended; reactivation restores it', async () => {
    const { id, admin: tenantAdmin } = await tenant();
    const suspended = await http().post(`/v1/tenants/${id}/suspend`).set('authorization', `Bearer ${admin}`).send({ reason: 'unpaid invoice' });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ state: 'suspended', suspendedAt: expect.any(String) });

    expect((await http().get(`/v1/tenants/${id}`).set('authorization', `Bearer ${tenantAdmin}`)).status).toBe(200);
    const request = { name: 'web-staging', projectId: 'web', type: 'staging', region: 'eu-west-1' };
    const gated = await http().post('/v1/environments').set('authorization', `Bearer ${tenantAdmin}`).send(request);
    expect(gated.status).toBe(403);
    expect(gated.body.code).toBe('tenant_suspended');
    const [denied] = await t.ds.query(`SELECT result, code, tenant_id FROM platform.audit_log WHERE code = 'tenant_suspended' ORDER BY id DESC LIMIT 1`);
    expect(denied).toEqual({ result: 'denied', code: 'tenant_suspended', tenant_id: id });

    const again = await http().post(`/v1/tenants/${id}/suspend`).set('authorization', `Bearer ${admin}`).send({});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_state_transition');

    const reactivated = await http().post(`/v1/tenants/${id}/reactivate`).set('authorization', `Bearer ${admin}`).send({});
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ state: 'active', suspendedAt: null });
    await delivered(t, id); // inventory learns of the reactivation from its event
    const accepted = await http().post('/v1/environments').set('authorization', `Bearer ${tenantAdmin}`).send(request);
    expect(accepted.status).toBe(202);
  });

  it('offboards a tenant for good: its tokens get 403 tenant_offboarded everywhere and nothing leaves offboarded', async () => {
    const { id, viewer: tenantViewer } = await tenant();
    const res = await http().post(`/v1/tenants/${id}/offboard`).set('authorization', `Bearer ${admin}`).send({ reason: 'contract ended' });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('offboarded');
    const read = await http().get(`/v1/tenants/${id}`).set('authorization', `Bearer ${tenantViewer}`);
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('tenant_offboarded');
    for (const action of ['reactivate', 'suspend', 'offboard']) {
      const r = await http().post(`/v1/tenants/${id}/${action}`).set('authorization', `Bearer ${admin}`).send({});
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('invalid_state_transition');
    }
    const patch = await http().patch(`/v1/tenants/${id}`).set('authorization', `Bearer ${admin}`).send({ displayName: 'Ghost' });
    expect(patch.status).toBe(409);
    const rows = await auditRows(id);
    expect(rows.filter((r: { result: string }) => r.result === 'denied').length).toBeGreaterThanOrEqual(4);
  });

  it('answers 404 for an unknown tenant on every endpoint', async () => {
    expect((await http().get('/v1/tenants/nobody').set('authorization', `Bearer ${admin}`)).status).toBe(404);
    expect((await http().get('/v1/tenants/nobody/usage').set('authorization', `Bearer ${admin}`)).status).toBe(404);
    expect((await http().patch('/v1/tenants/nobody').set('authorization', `Bearer ${admin}`).send({ displayName: 'x' })).status).toBe(404);
    expect((await http().post('/v1/tenants/nobody/suspend').set('authorization', `Bearer ${admin}`).send({})).status).toBe(404);
  });

  it('puts on the feed when the tenant was onboarded (its createdAt) as `time`, and the aggregate type', async () => {
    const id = uniqueId('timely');
    const res = await onboard(id);
    expect(res.status).toBe(201);
    const event = await eventually(async () => {
      const feed = await http().get('/v1/events?type=rcp.tenancy.tenant-onboarded.v1').set('authorization', `Bearer ${admin}`);
      return feed.body.items.find((e: { subject: string }) => e.subject === id);
    });
    expect(event).toMatchObject({ time: res.body.createdAt, aggregatetype: 'RuntimeTenantBinding', aggregateversion: '1' });
  });
});
