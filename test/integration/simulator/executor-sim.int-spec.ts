import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ActualState, EnvironmentMetrics, ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { delivered, eventsOf, eventually, freePort, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';
import { HealthSchedule } from '../../../src/contexts/health/application/health-schedule';
import { CommandBus } from '@nestjs/cqrs';
import { DecommissionEnvironmentCommand } from '../../../src/contexts/inventory/application/commands/decommission-environment/decommission-environment.command';
import { App, FAST_INVENTORY, as, requestEnvironment, tenantAdmin, waitForState } from '../inventory/inventory-fixtures';

jest.setTimeout(60_000);

const SECRET = 'executor-sim-secret-for-tests';
const ROOT = join(__dirname, '..', '..', '..');


/** `npm run executor:sim` as its own process (the same script, without npm in between). */
function startSim(env: Record<string, string>): { child: ChildProcess; output: string[]; ready: Promise<void> } {
  const output: string[] = [];
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/executor-sim.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`executor:sim exited with ${code}: ${output.join('')}`)));
    const poll = setInterval(() => {
      if (output.join('').includes('simulated executor listening')) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  return { child, output, ready };
}

const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

/**
 * The standalone simulated executor, a separate process, driven over the executor protocol: by the
 * control plane's own http provisioner (PROVISIONER=http) and by the shared executor client.
 */
describe('executor:sim: the simulated data plane over the executor protocol', () => {
  let t: App;
  let simPort: number;
  let sim: ReturnType<typeof startSim>;
  let client: ExecutorClient;
  let acme: GivenTenant;
  const simEnv = () => ({
    DATABASE_URL: t.dbUrl,
    EXECUTOR_SECRET: SECRET,
    EXECUTOR_SIM_PORT: String(simPort),
    SIMULATED_LATENCY_MS: '200',
    SIMULATED_READY_STEP_MS: '100',
    SIMULATED_PROGRESS_DEADLINE_MS: '3000',
    EXECUTOR_TIMEOUT_MS: '2000',
  });

  beforeAll(async () => {
    simPort = await freePort();
    const port = await freePort();
    t = await startTestApp({
      ...FAST_INVENTORY,
      PROVISIONER: 'http',
      EXECUTOR_URL: `http://127.0.0.1:${simPort}`,
      EXECUTOR_SECRET: SECRET,
      EXECUTOR_TIMEOUT_MS: '2000',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ACTUAL_STATE_PULL_INTERVAL_SECONDS: '1',
      JOB_SWEEP_INTERVAL_MS: '200',
      DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
    });
    await t.app.listen(port, '127.0.0.1');
    sim = startSim(simEnv());
    await sim.ready;
    client = new ExecutorClient(() => ({ url: `http://127.0.0.1:${simPort}`, secret: SECRET, timeoutMs: 2000 }), () => undefined);
    acme = await givenTenant(t, { id: 'acme', quotas: { maxEnvironments: 20 } });
  });
  afterAll(async () => {
    if (sim) await stop(sim.child);
    await t?.close();
  });

  it('provisions and decommissions an environment for the control plane, calling it back signed', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-one' });
    await waitForState(t, environment.id, 'ready');
    const state = await client.read<ActualState>(`/environments/${environment.id}/state`, 'state');
    expect(state).toMatchObject({ environmentId: environment.id, environment: 'present', services: [] });
    // The callback was accepted: recorded once, under the simulator's stable callback id.
    const callbacks = await t.asOwner(`SELECT callback_id, operation_id::text, status FROM inventory.executor_callbacks WHERE environment_id = $1`, [environment.id]);
    expect(callbacks).toEqual([{ callback_id: `cb-${callbacks[0].operation_id}`, operation_id: expect.any(String), status: 'succeeded' }]);

    await as(tenantAdmin('acme'), () => t.app.get(CommandBus).execute(new DecommissionEnvironmentCommand({ environmentId: environment.id, reason: 'done' })));
    await waitForState(t, environment.id, 'decommissioned');
    expect((await client.read<ActualState>(`/environments/${environment.id}/state`, 'state')).environment).toBe('absent');
  });

  it('fails provisioning on request and tells the tenant the simulator\'s reason, sanitized', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-bad', labels: { 'rcp.dev/simulate-failure': 'provision' } });
    const row = await waitForState(t, environment.id, 'failed', 20_000);
    expect(row.failure_reason).toMatch(/the executor reported: the simulated provisioner failed provisioning on request/);
  });

  it('runs revisions it is asked to apply, replica by replica, with metrics, and removes them', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-apps' });
    await waitForState(t, environment.id, 'ready');
    const callbackUrl = `http://127.0.0.1:1/unused`;
    await client.send({
      operationId: randomUUID(),
      kind: 'apply-revision',
      attempt: 1,
      callbackUrl,
      environmentId: environment.id,
      service: 'api',
      spec: { revision: 'r1', image: 'registry.example/api:1.0.0', configChecksum: 'sha256:abc', secretRefs: [], replicas: 3, trafficWeight: 100 },
    });
    const first = await client.read<ActualState>(`/environments/${environment.id}/state`, 'state');
    expect(first.services[0]).toMatchObject({ name: 'api', replicas: 3 });
    expect(first.services[0].readyReplicas).toBeLessThan(3);
    const ready = await eventually(async () => {
      const s = await client.read<ActualState>(`/environments/${environment.id}/state`, 'state');
      return s.services[0]?.readyReplicas === 3 ? s : undefined;
    });
    expect(ready.services[0].revisions[0]).toMatchObject({ healthy: true, trafficWeight: 100 });
    const metrics = await client.read<EnvironmentMetrics>(`/environments/${environment.id}/metrics`, 'metrics');
    expect(metrics.revisions).toEqual([expect.objectContaining({ service: 'api', revision: 'r1', readyReplicas: 3 })]);
    expect(metrics.revisions[0].requestsPerSecond).toBeGreaterThan(0);

    // Inventory pulls it from the executor (GET …/state, signed) with no agent running.
    const pulled = await eventually(async () => {
      const rows = await t.asOwner(`SELECT name, image, replicas, ready_replicas FROM inventory.runtime_services WHERE environment_id = $1 AND NOT removed`, [environment.id]);
      return rows[0]?.ready_replicas === 3 ? rows : undefined;
    });
    expect(pulled).toEqual([{ name: 'api', image: 'registry.example/api:1.0.0', replicas: 3, ready_replicas: 3 }]);

    await client.send({ operationId: randomUUID(), kind: 'remove', attempt: 1, callbackUrl, environmentId: environment.id, service: 'api' });
    expect((await client.read<ActualState>(`/environments/${environment.id}/state`, 'state')).services).toEqual([]);
    await eventually(async () => (await t.asOwner(`SELECT 1 FROM inventory.runtime_services WHERE environment_id = $1 AND NOT removed`, [environment.id])).length === 0);
  });

  it('refuses unsigned, wrongly signed and re-targeted requests (401), invalid ones (400) and oversized ones (413)', async () => {
    const base = `http://127.0.0.1:${simPort}`;
    const body = JSON.stringify({ operationId: randomUUID(), kind: 'scale', attempt: 1, callbackUrl: 'http://x/cb', environmentId: 'e', service: 's', replicas: 1 });
    const signed = (path: string, b: string, secret = SECRET, method = 'POST') => {
      const ts = Math.floor(Date.now() / 1000);
      return { 'x-rcp-timestamp': String(ts), 'x-rcp-signature': `v2=${createHmac('sha256', secret).update(`${ts}\n${method}\n${path}\n${b}`).digest('hex')}`, 'content-type': 'application/json' };
    };
    expect((await fetch(`${base}/operations`, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(`${base}/operations`, { method: 'POST', body, headers: signed('/operations', body, 'another-secret') })).status).toBe(401);
    // Signed for reading one environment's state, sent for another's.
    expect((await fetch(`${base}/environments/b/state`, { headers: signed('/environments/a/state', '', SECRET, 'GET') })).status).toBe(401);
    const invalid = JSON.stringify({ operationId: 'x', kind: 'explode', attempt: 1, callbackUrl: 'http://x/cb' });
    const refused = await fetch(`${base}/operations`, { method: 'POST', body: invalid, headers: signed('/operations', invalid) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/^invalid operation: kind must be one of/) });
    const huge = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    expect((await fetch(`${base}/operations`, { method: 'POST', body: huge, headers: signed('/operations', huge) })).status).toBe(413);
    // The shared client turns a refusal into a fixed phrase.
    const wrong = new ExecutorClient(() => ({ url: base, secret: 'another-secret', timeoutMs: 2000 }), () => undefined);
    await expect(wrong.read('/environments/a/state', 'state')).rejects.toEqual(new ExecutorUnavailableError('executor returned HTTP 401'));
  });

  it('keeps a service healthy and elastic through the executor: checks and metrics read from it, a decision sent as a signed scale operation, applied on its callback', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-scale' });
    await waitForState(t, environment.id, 'ready');
    await delivered(t, environment.id);
    await client.send({
      operationId: randomUUID(),
      kind: 'apply-revision',
      attempt: 1,
      callbackUrl: 'http://127.0.0.1:1/unused',
      environmentId: environment.id,
      service: 'api',
      spec: { revision: 'api-1', image: 'registry.example/api:1.0.0', configChecksum: null, secretRefs: [], replicas: 2, trafficWeight: 100 },
    });
    // Inventory pulls the state (GET …/state), and health learns the replicas from inventory's events.
    await eventually(async () => (await t.asOwner(`SELECT replicas FROM health.services WHERE environment_id = $1 AND service = 'api'`, [environment.id]))[0]?.replicas === 2, 20_000, 50, 'health sees 2 replicas');
    await eventually(async () => (await client.read<ActualState>(`/environments/${environment.id}/state`, 'state')).services[0]?.readyReplicas === 2);

    // Health pulls the executor's checks: two passing pulls make the revision healthy.
    const base = `/v1/environments/${environment.id}`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const health = async () => (await t.http().get(`${base}/health`).set(bearer(acme.viewer)).expect(200)).body as { services: Array<{ service: string; revision: string | null; status: string }> };
    const pulled = () => t.asOwner(`SELECT state FROM platform.jobs WHERE name = 'health.pull-data-plane' AND target_id = $1`, [environment.id]);
    for (let i = 0; i < 2; i++) {
      await t.app.get(HealthSchedule).pullAll();
      await eventually(async () => (await pulled())[0]?.state === 'completed', 10_000, 50, 'the pull to complete');
    }
    expect((await health()).services).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'api', revision: 'api-1', status: 'healthy' }), expect.objectContaining({ service: 'api', revision: null, status: 'healthy' })]),
    );

    // A decision to scale 2 → 4 goes to the executor; its signed callback applies it.
    await t.http().put(`${base}/services/api/scaling-policy`).set(bearer(acme.admin)).send({ minReplicas: 1, maxReplicas: 6, targets: [{ metric: 'cpu', value: 50 }] }).expect(200);
    const report = await t.http().post(`${base}/metrics`).set(bearer(acme.agent(environment.id))).send({ observedAt: new Date().toISOString(), services: [{ service: 'api', cpu: 100 }] }).expect(200);
    expect(report.body.services[0]).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, state: 'pending' });
    const applied = await eventually(async () => {
      const page = await t.http().get(`${base}/scaling-decisions`).set(bearer(acme.viewer));
      return page.body.items[0]?.state === 'applied' && page.body.items[0];
    }, 20_000, 100, 'the decision to be applied on the executor\'s callback');
    expect(applied).toMatchObject({ desiredReplicas: 4, failureReason: null });
    const op = await eventually(async () => {
      const [row] = await t.asOwner(`SELECT kind, state, delivered_at IS NOT NULL AS reported FROM simulator.operations WHERE id = $1`, [applied.operationId]);
      return row?.reported && row;
    }, 10_000, 50, 'the simulator to hear the callback was taken');
    expect(op).toEqual({ kind: 'scale', state: 'succeeded', reported: true });
    expect((await client.read<ActualState>(`/environments/${environment.id}/state`, 'state')).services[0].replicas).toBe(4);
    const policy = await t.http().get(`${base}/services/api/scaling-policy`).set(bearer(acme.viewer));
    expect((await eventsOf(t, policy.body.id)).map((e) => e.type)).toEqual(['rcp.health.scaling-policy-set.v1', 'rcp.health.scaling-decision-made.v1', 'rcp.health.scaling-applied.v1']);
  });

  it('rolls a release out through the executor: signed apply-revision and remove operations, advanced on its callbacks, verified with its checks and metrics', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-deploy' });
    await waitForState(t, environment.id, 'ready');
    await delivered(t, environment.id);
    const base = `/v1/environments/${environment.id}`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    for (const level of ['info', 'debug']) await t.http().post(`${base}/config-versions`).set(bearer(acme.admin)).send({ service: 'shop', entries: { LOG_LEVEL: level } }).expect(201);
    await delivered(t, environment.id);
    const gate = { minHealthySeconds: 1, maxErrorRate: 0.2, maxP95LatencyMs: null, timeoutSeconds: 60 };
    // Health reads the executor's checks on every pull (this suite pulls by hand).
    const pulling = setInterval(() => void t.app.get(HealthSchedule).pullAll().catch(() => undefined), 500);
    try {
      const deployAndWait = async (image: string, configVersion: number) => {
        const res = await t.http().post('/v1/deployments').set(bearer(acme.deployer)).send({ environmentId: environment.id, service: 'shop', image, configVersion, secretBindings: [], replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }] }, healthGate: gate });
        expect(res.status).toBe(202);
        return eventually(async () => {
          const d = (await t.http().get(`/v1/deployments/${res.body.id}`).set(bearer(acme.viewer))).body;
          return ['succeeded', 'failed', 'rolled_back'].includes(d.state) ? d : undefined;
        }, 60_000, 200, `deployment of ${image}`);
      };
      expect((await deployAndWait('registry.example/shop:1.0.0', 1)).state).toBe('succeeded');
      const second = await deployAndWait('registry.example/shop:1.1.0', 2);
      expect(second.state).toBe('succeeded');
      const state = await client.read<ActualState>(`/environments/${environment.id}/state`, 'state');
      expect(state.services.find((s) => s.name === 'shop')?.revisions.map((r) => [r.revision, r.trafficWeight, r.image])).toEqual([['shop-r2', 100, 'registry.example/shop:1.1.0']]);
      // Every step went to the executor as a signed operation and came back on its callback.
      const ops = await t.asOwner(`SELECT kind, state, delivered_at IS NOT NULL AS reported FROM simulator.operations WHERE environment_id = $1 AND kind IN ('apply-revision', 'remove') ORDER BY requested_at`, [environment.id]);
      expect(ops.length).toBeGreaterThanOrEqual(4);
      expect(ops.every((o: { state: string; reported: boolean }) => o.state === 'succeeded' && o.reported)).toBe(true);
      const gatePass = second.timeline.find((e: { evaluation?: { outcome: string; inputs: { samples: number } } }) => e.evaluation?.outcome === 'pass');
      expect(gatePass.evaluation.inputs.samples).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(pulling);
    }
  });

  it.each(['scaling', 'deployments'])('refuses a %s callback that is not signed for its operation (401), and answers one for no awaited operation with applied: false', async (route) => {
    const id = randomUUID();
    const path = `/v1/executor-callbacks/${route}/${id}`;
    const body = JSON.stringify({ callbackId: `cb-${id}`, status: 'succeeded' });
    const headers = (signedPath: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return { 'x-rcp-timestamp': String(ts), 'x-rcp-signature': `v2=${createHmac('sha256', SECRET).update(`${ts}\nPOST\n${signedPath}\n${body}`).digest('hex')}`, 'content-type': 'application/json' };
    };
    const unsigned = await t.http().post(path).set('content-type', 'application/json').send(body);
    expect(unsigned.status).toBe(401);
    const retargeted = await t.http().post(path).set(headers(`/v1/executor-callbacks/${route}/${randomUUID()}`)).send(body);
    expect(retargeted.status).toBe(401);
    const unknown = await t.http().post(path).set(headers(path)).send(body);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ operationId: id, applied: false, reason: expect.stringContaining('is not awaited') });
  });

  it('keeps its world across a crash: an operation in flight when it was killed completes once after it restarts', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sim-crash', labels: { 'rcp.dev/simulate-latency-ms': '1500' } });
    await eventually(async () => (await t.asOwner(`SELECT 1 FROM simulator.operations WHERE environment_id = $1`, [environment.id])).length === 1);
    await stop(sim.child, 'SIGKILL');
    sim = startSim(simEnv());
    await sim.ready;
    await waitForState(t, environment.id, 'ready', 20_000);
    // The control plane commits the callback before the simulator hears its answer and marks it reported.
    const rows = await eventually(async () => {
      const r = await t.asOwner(`SELECT state, delivered_at IS NOT NULL AS reported FROM simulator.operations WHERE environment_id = $1`, [environment.id]);
      return r[0]?.reported ? r : undefined;
    });
    expect(rows).toEqual([{ state: 'succeeded', reported: true }]);
    const [{ n }] = await t.asOwner(
      `SELECT count(*)::int AS n FROM platform.event_log WHERE aggregate_id = $1 AND type = 'rcp.inventory.environment-ready.v1'`,
      [environment.id],
    );
    expect(n).toBe(1);
  });
});
