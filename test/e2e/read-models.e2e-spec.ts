import { eventually, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

describe('Read models API (e2e)', () => {
  let t: App;
  let admin: string;
  let viewer: string;
  const http = () => t.http();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const audit = (result: string) =>
    t.asOwner(`SELECT actor, result, status, code, target_id, details FROM platform.audit_log WHERE action = 'read-model.rebuild' AND result = $1 ORDER BY id`, [result]);

  beforeAll(async () => {
    t = await startTestApp({ JOB_BACKOFF_BASE_MS: '20', RELAY_IDLE_MAX_MS: '50' });
    admin = t.token({ roles: ['platform:admin'] });
    viewer = t.token({ roles: ['platform:viewer'] });
    const onboard = (id: string) =>
      http()
        .post('/v1/tenants')
        .set(bearer(admin))
        .send({ id, displayName: id, isolationMode: 'pooled', quotas: { maxEnvironments: 2, maxServicesPerEnvironment: 2, maxReplicasPerService: 2, maxTotalReplicas: 4 } })
        .expect(201);
    await onboard('rm-one');
    await onboard('rm-two');
    await eventually(async () => (await t.asOwner(`SELECT count(*)::int AS n FROM inventory.tenants WHERE tenant_id LIKE 'rm-%'`))[0].n === 2);
  });
  afterAll(() => t.close());

  it('lists the read models with their tables, row counts and event types, to platform operators', async () => {
    const res = await http().get('/v1/read-models').set(bearer(viewer)).expect(200);
    expect(res.body.items.map((m: { name: string }) => m.name)).toEqual(['access.environments', 'configuration.environments', 'deployment.configuration', 'deployment.environments', 'deployment.service-health', 'deployment.services', 'deployment.tenants', 'drift.environments', 'drift.releases', 'drift.services', 'drift.signals', 'health.environments', 'health.rollouts', 'health.services', 'health.tenants', 'inventory.tenants', 'tenancy.usage']);
    const tenants = res.body.items.find((m: { name: string }) => m.name === 'inventory.tenants');
    expect(tenants.tables).toEqual([{ name: 'inventory.tenants', rows: expect.any(Number) }]);
    expect(tenants.tables[0].rows).toBeGreaterThanOrEqual(2);
    expect(tenants.eventTypes).toContain('rcp.tenancy.tenant-onboarded.v1');
    const one = await http().get('/v1/read-models/tenancy.usage').set(bearer(viewer)).expect(200);
    expect(one.body.tables.map((x: { name: string }) => x.name)).toEqual(['tenancy.environment_usage', 'tenancy.service_usage']);
  });

  it('rebuilds a damaged read model through a job, and audits the request', async () => {
    const before = await t.asOwner(`SELECT tenant_id, state, quotas, source_version FROM inventory.tenants ORDER BY tenant_id`);
    await t.asOwner(`UPDATE inventory.tenants SET quotas = '{}' WHERE tenant_id = 'rm-one'`);

    const res = await http().post('/v1/read-models/inventory.tenants/rebuild').set(bearer(admin)).send({}).expect(202);
    expect(res.headers.location).toBe('/v1/read-models/inventory.tenants');
    expect(res.body).toMatchObject({ name: 'inventory.tenants', jobId: expect.any(String) });
    const job = await eventually(async () => {
      const j = await http().get(`/v1/jobs/${res.body.jobId}`).set(bearer(admin));
      return j.body.state === 'completed' ? j.body : undefined;
    });
    expect(job).toMatchObject({ name: 'platform.read-model-rebuild', targetType: 'read-model', targetId: 'inventory.tenants' });
    expect(await t.asOwner(`SELECT tenant_id, state, quotas, source_version FROM inventory.tenants ORDER BY tenant_id`)).toEqual(before);
    expect(await audit('allowed')).toContainEqual(expect.objectContaining({ target_id: 'inventory.tenants', details: { allowPruned: false } }));
  });

  it('fails the rebuild job, changing nothing, when retention pruned the log, unless allowPruned', async () => {
    await t.asOwner(`INSERT INTO platform.event_log_pruned (tenant_id, through) VALUES ('*', 1) ON CONFLICT (tenant_id) DO UPDATE SET through = 1`);
    try {
      await t.asOwner(`UPDATE inventory.tenants SET quotas = '{"marker": 1}' WHERE tenant_id = 'rm-two'`);
      const refused = await http().post('/v1/read-models/inventory.tenants/rebuild').set(bearer(admin)).send({}).expect(202);
      const failed = await eventually(async () => {
        const j = await http().get(`/v1/jobs/${refused.body.jobId}`).set(bearer(admin));
        return j.body.state === 'failed' ? j.body : undefined;
      });
      expect(failed.lastError).toMatch(/precondition_failed: Retention pruned the event log through position 1/);
      expect((await t.asOwner(`SELECT quotas FROM inventory.tenants WHERE tenant_id = 'rm-two'`))[0].quotas).toEqual({ marker: 1 });

      const forced = await http().post('/v1/read-models/inventory.tenants/rebuild').set(bearer(admin)).send({ allowPruned: true }).expect(202);
      await eventually(async () => (await http().get(`/v1/jobs/${forced.body.jobId}`).set(bearer(admin))).body.state === 'completed');
      expect((await t.asOwner(`SELECT quotas FROM inventory.tenants WHERE tenant_id = 'rm-two'`))[0].quotas).toMatchObject({ maxEnvironments: 2 });
    } finally {
      await t.asOwner(`DELETE FROM platform.event_log_pruned`);
    }
  });

  it('refuses: 401 without a token, 403 for viewers and tenants (audited), 404 for an unknown name, 400 for a bad body', async () => {
    await http().get('/v1/read-models').expect(401);
    await http().post('/v1/read-models/inventory.tenants/rebuild').send({}).expect(401);
    const tenant = t.token({ tenantId: 'rm-one', roles: ['tenant:admin'] });
    expect((await http().get('/v1/read-models').set(bearer(tenant))).status).toBe(403);
    const forbidden = await http().post('/v1/read-models/inventory.tenants/rebuild').set(bearer(viewer)).send({});
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    expect(await audit('denied')).toContainEqual(expect.objectContaining({ status: 403, code: 'forbidden', target_id: 'inventory.tenants' }));

    const unknown = await http().post('/v1/read-models/nothing.here/rebuild').set(bearer(admin)).send({});
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    expect((await http().get('/v1/read-models/nothing.here').set(bearer(admin))).status).toBe(404);
    const bad = await http().post('/v1/read-models/inventory.tenants/rebuild').set(bearer(admin)).send({ allowPruned: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });
});
