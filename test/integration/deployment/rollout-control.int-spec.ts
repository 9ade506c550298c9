import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, deploymentIn, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(120_000);

const FAST = {
  SIMULATED_READY_STEP_MS: '30',
  SIMULATED_LATENCY_MS: '20',
  HEALTH_PULL_INTERVAL_SECONDS: '1',
  DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
  JOB_BACKOFF_BASE_MS: '50',
  DELIVERY_BACKOFF_BASE_MS: '10',
  RELAY_IDLE_MAX_MS: '50',
};
const GATE = { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 };

/**
 * An api process and a worker process on one database: a timed pause survives the worker's restart (its
 * timer is a delayed job in the ledger), and a blue-green preview waits for a person's promotion.
 */
describe('rollout control across processes', () => {
  let api: App;
  let worker: App;
  let owner: GivenTenant;
  let envId: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApp({ ...FAST, RCP_ROLE: 'api' });
    worker = await startTestApp({ ...FAST, RCP_ROLE: 'worker' }, { url: api.dbUrl, prefix: api.redisPrefix });
    owner = await givenTenant(api);
    envId = (await givenReadyEnvironment(api, owner, { projectId: 'shop' })).id;
    for (const level of ['info', 'debug', 'warn']) {
      expect((await api.http().post(`/v1/environments/${envId}/config-versions`).set(bearer(owner.admin)).send({ service: 'web', entries: { LOG_LEVEL: level } })).status).toBe(201);
    }
    await delivered(api, envId);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const deploy = async (extra: Record<string, unknown>) => {
    const res = await api.http().post('/v1/deployments').set(bearer(owner.deployer)).send({ environmentId: envId, service: 'web', secretBindings: [], healthGate: GATE, ...extra });
    expect(res.status).toBe(202);
    return res.body as { id: string };
  };
  const stateOf = (id: string, states: string[]) => deploymentIn(api, owner.viewer, id, states);
  const revisions = async () => {
    const state = await worker.app.get(SimulatedDataPlane).world.actualState(envId);
    return Object.fromEntries((state.services.find((s) => s.name === 'web')?.revisions ?? []).map((r) => [r.revision, { weight: r.trafficWeight, replicas: r.replicas }]));
  };

  it('goes on after a timed pause although the worker restarted during it, then holds a blue-green preview until promoted', async () => {
    const first = await deploy({ image: 'registry.example/web:1.0.0', configVersion: 1, replicas: 2, strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0 } });
    expect((await stateOf(first.id, ['succeeded', 'failed', 'rolled_back'])).state).toBe('succeeded');

    // A canary paused for 4 s; the worker stops during the pause and another starts.
    const canary = await deploy({ image: 'registry.example/web:1.1.0', configVersion: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: { seconds: 4 } }] } });
    const paused = await stateOf(canary.id, ['paused', 'failed', 'rolled_back']);
    expect(paused.state).toBe('paused');
    expect(Date.parse(paused.pausedUntil) - Date.now()).toBeGreaterThan(0);
    const [timer] = await api.asOwner(`SELECT state FROM platform.jobs WHERE name = 'deployment.end-pause' AND target_id = $1`, [canary.id]);
    expect(timer.state).toBe('queued');
    await worker.close();
    worker = await startTestApp({ ...FAST, RCP_ROLE: 'worker' }, { url: api.dbUrl, prefix: api.redisPrefix });
    const done = await stateOf(canary.id, ['succeeded', 'failed', 'rolled_back']);
    expect(done.state).toBe('succeeded');
    expect(done.timeline.some((e: { message: string }) => e.message.startsWith('step 3 of 3: promote'))).toBe(true);
    expect(await revisions()).toEqual({ 'web-r2': { weight: 100, replicas: 2 } });

    // Blue-green without auto-promotion: the new colour runs at full size with no traffic until promoted.
    const blueGreen = await deploy({ image: 'registry.example/web:1.2.0', configVersion: 3, strategy: { type: 'blue-green', autoPromote: false, previewSeconds: 0 } });
    const preview = await stateOf(blueGreen.id, ['paused', 'failed', 'rolled_back']);
    expect(preview.state).toBe('paused');
    expect(await revisions()).toEqual({ 'web-r2': { weight: 100, replicas: 2 }, 'web-r3': { weight: 0, replicas: 2 } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await api.http().get(`/v1/deployments/${blueGreen.id}`).set(bearer(owner.viewer))).body.state).toBe('paused'); // no timer: it waits
    const promoted = await api.http().post(`/v1/deployments/${blueGreen.id}/promote`).set(bearer(owner.deployer)).set('if-match', `"${preview.version}"`).send({});
    expect(promoted.status).toBe(202);
    expect((await stateOf(blueGreen.id, ['succeeded', 'failed', 'rolled_back'])).state).toBe('succeeded');
    expect(await revisions()).toEqual({ 'web-r3': { weight: 100, replicas: 2 } });
  });
});
