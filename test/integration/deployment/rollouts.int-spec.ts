import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, deploymentIn, eventsOf, eventually, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(90_000);

const GATE = { minHealthySeconds: 1, maxErrorRate: 0.2, maxP95LatencyMs: null, timeoutSeconds: 30 };

/**
 * Rollouts through the whole loop with the simulated data plane: the deployment context sends the steps,
 * the data plane brings revisions up and splits traffic, the health context pulls each revision's checks
 * and publishes its health, and the gate judges it with the revision's metrics.
 */
describe('rollouts on the simulated data plane', () => {
  let t: App;
  let owner: GivenTenant;
  let envId: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_READY_STEP_MS: '50',
      SIMULATED_LATENCY_MS: '30',
      HEALTH_PULL_INTERVAL_SECONDS: '1',
      DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
      JOB_BACKOFF_BASE_MS: '50',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
    });
    owner = await givenTenant(t);
    envId = (await givenReadyEnvironment(t, owner, { projectId: 'shop' })).id;
    for (const level of ['info', 'debug', 'warn']) {
      expect((await t.http().post(`/v1/environments/${envId}/config-versions`).set(bearer(owner.admin)).send({ service: 'checkout', entries: { LOG_LEVEL: level } })).status).toBe(201);
    }
    await delivered(t, envId);
  });
  afterAll(() => t.close());

  const deploy = async (body: Record<string, unknown>) => {
    const res = await t.http().post('/v1/deployments').set(bearer(owner.deployer)).send({ environmentId: envId, service: 'checkout', secretBindings: [], healthGate: GATE, ...body });
    expect({ status: res.status, body: res.status === 202 ? 'ok' : res.body }).toEqual({ status: 202, body: 'ok' });
    return res.body as { id: string; revision: number };
  };
  const settled = (id: string, states: string[]) => deploymentIn(t, owner.viewer, id, states);
  const revisions = async () => {
    const state = await t.app.get(SimulatedDataPlane).world.actualState(envId);
    return Object.fromEntries((state.services.find((s) => s.name === 'checkout')?.revisions ?? []).map((r) => [r.revision, { weight: r.trafficWeight, replicas: r.replicas }]));
  };

  it('deploys a first revision, then a canary to success, then rolls an unhealthy canary back by itself, restoring the previous release whole', async () => {
    // 1. A first deployment: one verified step.
    const first = await deploy({ image: 'registry.example/checkout:1.0.0', configVersion: 1, replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }] } });
    expect(first.revision).toBe(1);
    const done1 = await settled(first.id, ["succeeded", "rolled_back", "failed"]);
    if (done1.state !== "succeeded") throw new Error(JSON.stringify(done1.timeline, null, 1));
    expect(done1.state).toBe('succeeded');
    expect(await revisions()).toEqual({ 'checkout-r1': { weight: 100, replicas: 2 } });

    // 2. A canary: 50 % beside the full old revision, a pause, then promotion to 100 % and the old revision removed.
    const second = await deploy({ image: 'registry.example/checkout:1.1.0', configVersion: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: { seconds: 1 } }] } });
    await eventually(async () => { const r = await revisions(); return r['checkout-r2']?.weight === 50 && r['checkout-r1']?.weight === 50; }, 30_000, 100, 'the canary at 50 %').catch(async (e: Error) => {
      const d = (await t.http().get(`/v1/deployments/${second.id}`).set(bearer(owner.viewer))).body;
      throw new Error(`${e.message}: ${JSON.stringify({ state: d.state, timeline: d.timeline, plan: d.plan, revisions: await revisions() }, null, 1)}`);
    });
    expect((await revisions())['checkout-r1']).toEqual({ weight: 50, replicas: 2 });
    const done2 = await settled(second.id, ['succeeded', 'rolled_back', 'failed']);
    expect(done2.state).toBe('succeeded');
    expect(await revisions()).toEqual({ 'checkout-r2': { weight: 100, replicas: 2 } });
    const passes = done2.timeline.filter((e: { evaluation?: { outcome: string } }) => e.evaluation?.outcome === 'pass');
    expect(passes.length).toBe(2);
    expect(passes[0].evaluation.inputs).toMatchObject({ health: 'healthy', samples: expect.any(Number) });
    expect(passes[0].evaluation.inputs.samples).toBeGreaterThanOrEqual(3);

    // 3. An unhealthy canary: the gate fails, the rollout rolls back to revision 2 (image and config version 2).
    const third = await deploy({ image: 'registry.example/checkout:1.2.0-unhealthy', configVersion: 3, strategy: { type: 'canary', steps: [{ setWeight: 25 }, { pause: {} }] } });
    const done3 = await settled(third.id, ['rolled_back', 'failed', 'succeeded']);
    expect(done3.state).toBe('rolled_back');
    const failure = done3.timeline.find((e: { evaluation?: { outcome: string } }) => e.evaluation?.outcome === 'fail');
    expect(failure.evaluation.reasons.join(' ')).toMatch(/unhealthy|error rate/);
    expect(await revisions()).toEqual({ 'checkout-r2': { weight: 100, replicas: 2 } });
    const [image] = (await t.app.get(SimulatedDataPlane).world.actualState(envId)).services.filter((s) => s.name === 'checkout').map((s) => s.image);
    expect(image).toBe('registry.example/checkout:1.1.0');

    await delivered(t, third.id);
    const types = (await eventsOf(t, third.id, 'rcp.deployment.')).map((e) => e.type.replace('rcp.deployment.', '').replace('.v1', ''));
    expect(types[0]).toBe('deployment-created');
    expect(types).toEqual(expect.arrayContaining(['deployment-step-started', 'deployment-verifying', 'deployment-rollback-started', 'deployment-rolled-back']));
    expect(types).not.toContain('deployment-succeeded');
  });
});
