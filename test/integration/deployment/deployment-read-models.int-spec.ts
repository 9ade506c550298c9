import { delivered, eventually, givenReadyEnvironment, givenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

/**
 * The deployment context's read models fill from the other contexts' events alone, over the real event
 * path (outbox, relay, deliveries): environments, tenants, running services, configuration versions,
 * secret bindings and health per revision.
 */
describe('deployment read models', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({ RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10', SIMULATED_READY_STEP_MS: '20', SIMULATED_LATENCY_MS: '20' });
  });
  afterAll(() => t.close());

  it('knows what the preconditions and the gate need, from events only', async () => {
    const owner = await givenTenant(t, { quotas: { maxEnvironments: 3, maxServicesPerEnvironment: 5, maxReplicasPerService: 6, maxTotalReplicas: 20 } });
    const env = await givenReadyEnvironment(t, owner, { projectId: 'shop' });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const base = `/v1/environments/${env.id}`;
    expect((await t.http().post(`${base}/config-versions`).set(bearer(owner.admin)).send({ service: 'checkout', entries: { LOG_LEVEL: 'info' } })).status).toBe(201);
    const binding = await t.http().post(`${base}/secret-bindings`).set(bearer(owner.admin)).send({ name: 'DB_PASSWORD', provider: 'hashicorp-vault', reference: 'vault://secret/checkout#password', identity: 'checkout' });
    expect(binding.status).toBe(201);
    const report = { observedAt: new Date().toISOString(), services: [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 3, readyReplicas: 3, configChecksum: null }] };
    expect((await t.http().put(`${base}/actual-state`).set(bearer(owner.agent(env.id))).send(report)).status).toBe(200);
    for (const ago of [2_000, 1_000]) {
      await t.http().post(`${base}/health-reports`).set(bearer(owner.agent(env.id))).send({ observedAt: new Date(Date.now() - ago).toISOString(), checks: [{ service: 'checkout', revision: 'checkout-1', status: 'pass' }] });
    }
    expect((await t.http().patch(`/v1/tenants/${owner.id}`).set(bearer(platformTokens(t).admin)).send({ quotas: { maxEnvironments: 3, maxServicesPerEnvironment: 5, maxReplicasPerService: 8, maxTotalReplicas: 20 } })).status).toBe(200);
    await delivered(t, owner.id);
    await delivered(t, env.id);

    await eventually(async () => (await t.asOwner(`SELECT 1 FROM deployment.service_health WHERE environment_id = $1`, [env.id])).length === 1, 10_000, 50, 'health reaches the deployment context');
    expect(await t.asOwner(`SELECT state, project_id FROM deployment.environments WHERE environment_id = $1`, [env.id])).toEqual([{ state: 'ready', project_id: 'shop' }]);
    expect(await t.asOwner(`SELECT state, max_replicas_per_service, max_total_replicas FROM deployment.tenants WHERE tenant_id = $1`, [owner.id])).toEqual([
      { state: 'active', max_replicas_per_service: 8, max_total_replicas: 20 },
    ]);
    expect(await t.asOwner(`SELECT service, image, replicas, removed FROM deployment.services WHERE environment_id = $1`, [env.id])).toEqual([
      { service: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 3, removed: false },
    ]);
    const [config] = await t.asOwner(`SELECT version, checksum FROM deployment.config_versions WHERE environment_id = $1 AND service = 'checkout'`, [env.id]);
    expect(config).toEqual({ version: 1, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await t.asOwner(`SELECT name, status, reason, removed FROM deployment.secret_bindings WHERE environment_id = $1`, [env.id])).toEqual([
      { name: 'DB_PASSWORD', status: 'unresolvable', reason: binding.body.reason, removed: false },
    ]);
    expect(await t.asOwner(`SELECT revision, status FROM deployment.service_health WHERE environment_id = $1`, [env.id])).toEqual([{ revision: 'checkout-1', status: 'healthy' }]);

    // Removing the binding and suspending the tenant reach it too.
    expect((await t.http().delete(`${base}/secret-bindings/DB_PASSWORD`).set(bearer(owner.admin))).status).toBe(200);
    expect((await t.http().post(`/v1/tenants/${owner.id}/suspend`).set(bearer(platformTokens(t).admin)).send({ reason: 'test' })).status).toBe(200);
    await delivered(t, owner.id);
    await eventually(async () => (await t.asOwner(`SELECT removed FROM deployment.secret_bindings WHERE environment_id = $1`, [env.id]))[0]?.removed === true, 10_000, 50, 'the removal');
    expect((await t.asOwner(`SELECT state FROM deployment.tenants WHERE tenant_id = $1`, [owner.id]))[0].state).toBe('suspended');
  });
});
