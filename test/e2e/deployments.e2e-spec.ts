import { delivered, deploymentIn, environmentIn, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(60_000);

const GATE = { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 };
const CANARY = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] };

describe('Deployment API (e2e)', () => {
  let t: App;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_READY_STEP_MS: '30',
      SIMULATED_LATENCY_MS: '20',
      HEALTH_PULL_INTERVAL_SECONDS: '1',
      DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
      JOB_BACKOFF_BASE_MS: '50',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
    });
  });
  afterAll(() => t.close());

  /** A tenant with a ready environment in project `shop` and configuration versions 1 and 2 of `checkout`. */
  const givenEnv = async (owner?: GivenTenant) => {
    const tenant = owner ?? (await givenTenant(t));
    const env = await givenReadyEnvironment(t, tenant, { projectId: 'shop' });
    for (const level of ['info', 'debug']) {
      expect((await t.http().post(`/v1/environments/${env.id}/config-versions`).set(bearer(tenant.admin)).send({ service: 'checkout', entries: { LOG_LEVEL: level } })).status).toBe(201);
    }
    await delivered(t, env.id);
    return { owner: tenant, env };
  };
  const body = (envId: string, extra: Record<string, unknown> = {}) => ({ environmentId: envId, service: 'checkout', image: 'registry.example/checkout:1.0.0', configVersion: 1, secretBindings: [], strategy: CANARY, healthGate: GATE, ...extra });
  const deploy = (token: string, b: object) => t.http().post('/v1/deployments').set(bearer(token)).send(b);
  const stateOf = (owner: GivenTenant, id: string, states: string[]) => deploymentIn(t, owner.viewer, id, states, 45_000);

  it('accepts a deployment (202, Location, jobId), shows it with its plan and timeline, lists and filters it', async () => {
    const { owner, env } = await givenEnv();
    const res = await deploy(owner.deployer, body(env.id));
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/deployments/${res.body.id}`);
    expect(res.body).toMatchObject({ state: 'progressing', revision: 1, currentStep: 0, weight: 100, reason: 'deploy', createdBy: `deployer@${owner.id}`, jobId: expect.any(String) });
    expect(res.body.release).toMatchObject({ image: 'registry.example/checkout:1.0.0', configVersion: 1, configChecksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const done = await stateOf(owner, res.body.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    const got = await t.http().get(`/v1/deployments/${res.body.id}`).set(bearer(owner.viewer));
    expect(got.headers.etag).toBe(`"${got.body.version}"`);
    expect(got.body.timeline.map((e: { state: string }) => e.state)).toEqual(expect.arrayContaining(['pending', 'progressing', 'verifying', 'succeeded']));

    const list = await t.http().get(`/v1/deployments?environmentId=${env.id}&state=succeeded`).set(bearer(owner.viewer));
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([res.body.id]);
    expect((await t.http().get(`/v1/deployments?state=progressing&environmentId=${env.id}`).set(bearer(owner.viewer))).body.items).toEqual([]);
    expect((await t.http().get('/v1/deployments?state=sideways').set(bearer(owner.viewer))).status).toBe(400);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const { owner, env } = await givenEnv();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an image without a tag or digest', { image: 'registry.example/checkout' }, 'image'],
      ['a malformed digest', { image: 'registry.example/checkout@sha256:abc' }, 'image'],
      ['canary weights that do not increase', { strategy: { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }] } }, 'strategy.steps.1.setWeight'],
      ['a canary weight over 100', { strategy: { type: 'canary', steps: [{ setWeight: 150 }] } }, 'strategy.steps.0.setWeight'],
      ['a pause of more than a day', { strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: { seconds: 90_000 } }] } }, 'strategy.steps.1.pause.seconds'],
      ['a gate timeout shorter than minHealthySeconds', { healthGate: { ...GATE, minHealthySeconds: 60, timeoutSeconds: 30 } }, 'healthGate.timeoutSeconds'],
      ['an unknown strategy field', { strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0, speed: 'fast' } }, 'strategy.speed'],
    ];
    for (const [what, extra, field] of cases) {
      const res = await deploy(owner.deployer, body(env.id, extra));
      expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status: 400, code: 'validation_failed' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    expect((await deploy(owner.deployer, { ...body(env.id), color: 'blue' })).status).toBe(400);
  });

  it('refuses unmet preconditions with 409 and every reason, and a second unfinished rollout of the service', async () => {
    const { owner, env } = await givenEnv();
    const binding = await t.http().post(`/v1/environments/${env.id}/secret-bindings`).set(bearer(owner.admin)).send({ name: 'DB_PASSWORD', provider: 'hashicorp-vault', reference: 'vault://secret/checkout#password', identity: 'checkout' });
    expect(binding.status).toBe(201);
    await delivered(t, binding.body.id);
    const refused = await deploy(owner.deployer, body(env.id, { configVersion: 9, secretBindings: ['DB_PASSWORD', 'MISSING'], replicas: 150 }));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('precondition_failed');
    expect(refused.body.reasons).toEqual([
      expect.stringContaining('above the tenant\'s maxReplicasPerService'),
      expect.stringContaining('maxTotalReplicas'),
      `configuration version 9 of checkout is not published in environment ${env.id}`,
      expect.stringMatching(/^secret binding DB_PASSWORD is unresolvable/),
      `secret binding MISSING does not exist in environment ${env.id}`,
    ]);

    const first = await deploy(owner.deployer, body(env.id));
    expect(first.status).toBe(202);
    const second = await deploy(owner.deployer, body(env.id, { image: 'registry.example/checkout:2.0.0' }));
    expect(second.status).toBe(409);
    expect(second.body.reasons).toEqual([expect.stringContaining(`deployment ${first.body.id} (revision 1) of checkout is still`)]);

    const going = await givenReadyEnvironment(t, owner, { projectId: 'shop' });
    expect((await t.http().delete(`/v1/environments/${going.id}`).set(bearer(owner.admin))).status).toBe(202);
    await environmentIn(t, owner, going.id, 'decommissioned');
    await delivered(t, going.id);
    const gone = await deploy(owner.deployer, body(going.id));
    expect(gone.status).toBe(409);
    expect(gone.body.reasons).toEqual(expect.arrayContaining([`environment ${going.id} is decommissioned, not ready`]));
  });

  it('is for deployers and admins of the project, hides other tenants (404), and records refusals', async () => {
    const { owner, env } = await givenEnv();
    const other = await givenTenant(t);
    const anonymous = [
      t.http().post('/v1/deployments').send(body(env.id)),
      t.http().get('/v1/deployments'),
      t.http().get(`/v1/deployments/${env.id}`),
      t.http().post(`/v1/deployments/${env.id}/promote`).send({}),
      t.http().post('/v1/deployments').set(bearer('not.a.jwt')).send(body(env.id)),
    ];
    for (const res of await Promise.all(anonymous)) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'unauthenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await deploy(owner.viewer, body(env.id))).status).toBe(403);
    expect((await deploy(owner.agent(env.id), body(env.id))).status).toBe(403);
    expect((await deploy(other.deployer, body(env.id))).status).toBe(404);
    expect((await deploy(owner.token('tenant:deployer', { projectIds: ['web'] }), body(env.id))).status).toBe(404);
    const ok = await deploy(owner.token('tenant:deployer', { projectIds: ['shop'] }), body(env.id));
    expect(ok.status).toBe(202);
    expect((await t.http().get(`/v1/deployments/${ok.body.id}`).set(bearer(other.viewer))).status).toBe(404);
    expect((await t.http().get(`/v1/deployments/${ok.body.id}`).set(bearer(owner.token('tenant:viewer', { projectIds: ['web'] })))).status).toBe(404);
    expect((await t.http().get('/v1/deployments').set(bearer(owner.token('tenant:viewer', { projectIds: ['web'] })))).body.items).toEqual([]);
    expect((await t.http().post(`/v1/deployments/${ok.body.id}/abort`).set(bearer(owner.viewer)).send({})).status).toBe(403);
    const denied = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'deployment.create' AND result = 'denied' AND tenant_id = $1`, [owner.id]);
    expect(denied[0].n).toBeGreaterThanOrEqual(3);
  });

  it('promotes past a pause, refuses actions the state does not allow (409) and a stale If-Match (412), aborts, and rolls a finished deployment back to an earlier release', async () => {
    const { owner, env } = await givenEnv();
    const first = (await deploy(owner.deployer, body(env.id, { replicas: 2 }))).body;
    await stateOf(owner, first.id, ['succeeded']);
    const second = (await deploy(owner.deployer, body(env.id, { image: 'registry.example/checkout:1.1.0', configVersion: 2 }))).body;
    const paused = await stateOf(owner, second.id, ['paused']);
    expect(paused.pausedUntil).toBeNull();
    // Scaling waits while the service is being rolled out (the health context follows the deployment's events).
    await delivered(t, second.id);
    expect((await t.http().put(`/v1/environments/${env.id}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send({ minReplicas: 1, maxReplicas: 8, targets: [{ metric: 'cpu', value: 50 }] })).status).toBe(200);
    const metrics = await t.http().post(`/v1/environments/${env.id}/metrics`).set(bearer(owner.agent(env.id))).send({ observedAt: new Date().toISOString(), services: [{ service: 'checkout', cpu: 100 }] });
    expect(metrics.body.services[0]).toMatchObject({ decisionId: null, reason: 'a deployment of the service is progressing: scaling waits' });
    const action = (name: string, id: string, extra: Record<string, string> = {}, b: object = {}) => t.http().post(`/v1/deployments/${id}/${name}`).set(bearer(owner.deployer)).set(extra).send(b);
    expect((await action('promote', second.id, { 'if-match': '"1"' })).status).toBe(412);
    const promoted = await action('promote', second.id, { 'if-match': `"${paused.version}"` });
    expect(promoted.status).toBe(202);
    expect(promoted.body.timeline.at(-2).message).toMatch(/promoted by deployer@/);
    const done = await stateOf(owner, second.id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.state).toBe('succeeded');
    for (const name of ['promote', 'resume', 'abort']) {
      const res = await action(name, second.id);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 409, code: 'invalid_state_transition' });
    }

    // Rolling back a finished deployment deploys the earlier release again (image and config version 1).
    const back = await action('rollback', second.id, {}, { reason: 'latency regression' });
    expect(back.status).toBe(202);
    expect(back.body).toMatchObject({ reason: 'rollback', revision: 3, release: { image: 'registry.example/checkout:1.0.0', configVersion: 1 } });
    const restored = await stateOf(owner, back.body.id, ['succeeded', 'failed', 'rolled_back']);
    expect(restored.state).toBe('succeeded');
    expect((await action('rollback', second.id, {}, { toRevision: 99 })).status).toBe(409);

    const third = (await deploy(owner.deployer, body(env.id, { image: 'registry.example/checkout:1.2.0' }))).body;
    await stateOf(owner, third.id, ['paused']);
    const aborted = await action('abort', third.id, {}, { reason: 'wrong build' });
    expect(aborted.status).toBe(202);
    expect(aborted.body.state).toBe('aborted');
    expect((await t.http().post('/v1/deployments/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/abort').set(bearer(owner.deployer)).send({})).status).toBe(404);
  });
});
