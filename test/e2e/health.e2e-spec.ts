import { randomUUID } from 'node:crypto';
import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, eventsOf, eventually, givenEnvironment, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const POLICY = { minReplicas: 1, maxReplicas: 10, targets: [{ metric: 'cpu', value: 50 }] };

describe('Health & Scaling API (e2e)', () => {
  let t: App;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const now = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

  /** A tenant with a ready environment that the health context has seen. */
  const givenEnv = async (quotas?: Partial<{ maxReplicasPerService: number; maxTotalReplicas: number }>) => {
    const owner = await givenTenant(t, quotas ? { quotas: { maxEnvironments: 5, maxServicesPerEnvironment: 5, maxReplicasPerService: 10, maxTotalReplicas: 100, ...quotas } } : {});
    const env = await givenReadyEnvironment(t, owner);
    await delivered(t, env.id);
    return { owner, env, base: `/v1/environments/${env.id}`, agent: owner.agent(env.id) };
  };

  /** `checkout` running with `replicas` in the simulated data plane, as inventory has observed it (an agent's report). */
  const givenRunning = async (owner: GivenTenant, envId: string, replicas: number, image = 'registry.example/checkout:1.0.0') => {
    const world = t.app.get(SimulatedDataPlane).world;
    await world.submit({ operationId: randomUUID(), kind: 'apply-revision', attempt: 1, callbackUrl: '', environmentId: envId, service: 'checkout', spec: { revision: 'checkout-1', image, configChecksum: null, secretRefs: [], replicas, trafficWeight: 100 } }, null);
    const report = await t.http().put(`/v1/environments/${envId}/actual-state`).set(bearer(owner.agent(envId))).send({ observedAt: now(), services: [{ name: 'checkout', image, replicas, readyReplicas: replicas, configChecksum: null }] });
    expect(report.status).toBe(200);
    await delivered(t, envId);
    const [inv] = await t.asOwner(`SELECT environment_id FROM inventory.service_inventories WHERE environment_id = $1`, [envId]);
    expect(inv).toBeTruthy();
    await eventually(async () => (await t.asOwner(`SELECT replicas FROM health.services WHERE environment_id = $1 AND service = 'checkout'`, [envId]))[0]?.replicas === replicas, 10_000, 25, 'health sees the replicas');
  };

  beforeAll(async () => {
    t = await startTestApp({ SIMULATED_READY_STEP_MS: '20', SIMULATED_LATENCY_MS: '20', JOB_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_BASE_MS: '10', RELAY_IDLE_MAX_MS: '50' });
  });
  afterAll(() => t.close());

  describe('health reports and GET health', () => {
    it('turns a service healthy after two passes and unhealthy after three fails, publishing only the changes', async () => {
      const { owner, env, base, agent } = await givenEnv();
      const report = (status: string, at: string) => t.http().post(`${base}/health-reports`).set(bearer(agent)).send({ observedAt: at, checks: [{ service: 'web', status, latencyMs: 12 }] });
      const times = [-9000, -8000, -7000, -6000, -5000, -4000, -3000].map((ms) => now(ms));
      const first = await report('pass', times[0]);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ taken: 1, changed: [] });
      expect((await report('pass', times[1])).body).toEqual({ taken: 1, changed: [{ service: 'web', revision: null, status: 'healthy' }] });
      await report('pass', times[2]);
      await report('fail', times[3]);
      await report('fail', times[4]);
      expect((await report('fail', times[5])).body.changed).toEqual([{ service: 'web', revision: null, status: 'unhealthy' }]);
      expect((await report('fail', times[1])).body).toEqual({ taken: 0, changed: [] }); // older than the last: ignored
      const health = await t.http().get(`${base}/health`).set(bearer(owner.viewer));
      expect(health.status).toBe(200);
      expect(health.body.environmentId).toBe(env.id);
      expect(health.body.services).toEqual([
        expect.objectContaining({ service: 'web', revision: null, status: 'unhealthy', since: times[5], reason: '3 consecutive failed checks (failureThreshold 3)', consecutiveFailures: 3 }),
      ]);
      expect(health.body.services[0].lastChecks).toHaveLength(6);
      const id = (await t.asOwner(`SELECT id FROM health.check_results WHERE environment_id = $1`, [env.id]))[0].id;
      expect((await eventsOf(t, id)).map((e) => `${(e.data as { previousStatus: string }).previousStatus}→${(e.data as { status: string }).status}`)).toEqual(['unknown→healthy', 'healthy→unhealthy']);
      const audit = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'health.report' AND target_id = $1`, [env.id]);
      expect(audit[0].n).toBe(2);
    });

    it('refuses another environment\'s agent (403), a future observedAt (400), bad checks (400), and hides other tenants (404)', async () => {
      const { owner, base } = await givenEnv();
      const other = await givenEnv();
      const body = { observedAt: now(), checks: [{ service: 'web', status: 'pass' }] };
      expect((await t.http().post(`${base}/health-reports`).set(bearer(other.agent)).send(body)).status).toBe(403);
      expect((await t.http().post(`${base}/health-reports`).set(bearer(owner.viewer)).send(body)).status).toBe(403);
      const future = await t.http().post(`${base}/health-reports`).set(bearer(owner.agent(base.split('/').pop()!))).send({ ...body, observedAt: now(120_000) });
      expect(future.status).toBe(400);
      expect(future.body.errors).toEqual([{ field: 'observedAt', message: expect.stringContaining('in the future') }]);
      const agent = owner.agent(base.split('/').pop()!);
      expect((await t.http().post(`${base}/health-reports`).set(bearer(agent)).send({ observedAt: now(), checks: [{ service: 'web', status: 'ok' }] })).status).toBe(400);
      expect((await t.http().post(`${base}/health-reports`).set(bearer(agent)).send({ observedAt: now(), checks: [] })).status).toBe(400);
      expect((await t.http().get(`${base}/health`).set(bearer(other.owner.viewer))).status).toBe(404);
      expect((await t.http().get(`/v1/environments/${randomUUID()}/health`).set(bearer(owner.viewer))).status).toBe(404);
    });
  });

  describe('scaling policies', () => {
    it('sets a policy with the HPA defaults, replaces it with If-Match, and reads it', async () => {
      const { owner, base } = await givenEnv();
      const set = await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.deployer)).send(POLICY);
      expect(set.status).toBe(200);
      expect(set.headers.etag).toBe('"1"');
      expect(set.body).toMatchObject({
        service: 'checkout',
        created: true,
        version: 1,
        policy: { ...POLICY, scaleUp: { stabilizationSeconds: 0, maxStep: null }, scaleDown: { stabilizationSeconds: 300, maxStep: null }, tolerance: 0.1, scaleUpWhenUnhealthy: false },
      });
      const same = await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.deployer)).send(POLICY);
      expect(same.body).toMatchObject({ version: 1, created: false });
      const stale = await t.http().put(`${base}/services/checkout/scaling-policy`).set({ ...bearer(owner.deployer), 'if-match': '"7"' }).send({ ...POLICY, maxReplicas: 12 });
      expect(stale.status).toBe(412);
      const changed = await t.http().put(`${base}/services/checkout/scaling-policy`).set({ ...bearer(owner.deployer), 'if-match': '"1"' }).send({ ...POLICY, maxReplicas: 12, scaleDown: { stabilizationSeconds: 60, maxStep: 2 } });
      expect(changed.body).toMatchObject({ version: 2, policy: { maxReplicas: 12, scaleDown: { stabilizationSeconds: 60, maxStep: 2 } } });
      const read = await t.http().get(`${base}/services/checkout/scaling-policy`).set(bearer(owner.viewer));
      expect(read.status).toBe(200);
      expect(read.body.version).toBe(2);
      expect((await t.http().get(`${base}/services/other/scaling-policy`).set(bearer(owner.viewer))).status).toBe(404);
      expect((await t.http().get(`${base}/services/Not_A_Label/scaling-policy`).set(bearer(owner.viewer))).status).toBe(404);
      const policyId = set.body.id;
      expect((await eventsOf(t, policyId)).map((e) => e.type)).toEqual(['rcp.health.scaling-policy-set.v1', 'rcp.health.scaling-policy-set.v1']);
    });

    it('refuses min above max, a zero or negative target, an unknown metric (400), and an environment that is not ready (409)', async () => {
      const { owner, base } = await givenEnv();
      const put = (body: object) => t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send(body);
      const minMax = await put({ ...POLICY, minReplicas: 5, maxReplicas: 3 });
      expect(minMax.status).toBe(400);
      expect(minMax.body.errors).toEqual([{ field: 'minReplicas', message: 'minReplicas (5) is above maxReplicas (3)' }]);
      expect((await put({ ...POLICY, targets: [{ metric: 'cpu', value: 0 }] })).status).toBe(400);
      expect((await put({ ...POLICY, targets: [{ metric: 'rps', value: -5 }] })).status).toBe(400);
      expect((await put({ ...POLICY, targets: [{ metric: 'memory', value: 50 }] })).status).toBe(400);
      expect((await put({ ...POLICY, surprise: 1 })).status).toBe(400);
      expect((await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.viewer)).send(POLICY)).status).toBe(403);
      const slow = await givenEnvironment(t, owner, { labels: { 'rcp.dev/simulate-latency-ms': '20000' } });
      await delivered(t, slow.id);
      const notReady = await t.http().put(`/v1/environments/${slow.id}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send(POLICY);
      expect(notReady.status).toBe(409);
      expect(notReady.body).toMatchObject({ code: 'precondition_failed', reasons: [expect.stringContaining('not ready')] });
    });
  });

  describe('metrics → decisions → scale operations', () => {
    it('scales a service up on the simulated data plane and records the decision, its inputs and its outcome', async () => {
      const { owner, base, agent, env } = await givenEnv();
      await givenRunning(owner, env.id, 2);
      await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send(POLICY).expect(200);
      const metrics = await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 100, rps: 40 }, { service: 'other', cpu: 90 }] });
      expect(metrics.status).toBe(200);
      expect(metrics.body.services).toEqual([
        { service: 'checkout', decisionId: expect.any(String), currentReplicas: 2, desiredReplicas: 4, state: 'pending', reason: 'cpu 100 vs target 50 (ratio 2): 4 replicas' },
        { service: 'other', decisionId: null, currentReplicas: null, desiredReplicas: null, state: null, reason: 'the service has no scaling policy' },
      ]);
      const decisionId = metrics.body.services[0].decisionId;
      const applied = await eventually(async () => {
        const res = await t.http().get(`${base}/scaling-decisions`).set(bearer(owner.viewer));
        return res.body.items[0]?.state === 'applied' && res.body;
      }, 15_000, 50, 'the decision to be applied');
      expect(applied.items[0]).toMatchObject({ id: decisionId, service: 'checkout', currentReplicas: 2, recommendedReplicas: 4, desiredReplicas: 4, observed: { cpu: 100, rps: 40 }, health: 'unknown', cappedBy: null, operationId: expect.any(String), completedAt: expect.any(String) });
      const state = await t.app.get(SimulatedDataPlane).world.actualState(env.id);
      expect(state.services[0].replicas).toBe(4);
      const policy = await t.http().get(`${base}/services/checkout/scaling-policy`).set(bearer(owner.viewer));
      expect(policy.body).toMatchObject({ pendingDecisionId: null, lastScaledTo: 4 });
      const events = await eventsOf(t, policy.body.id);
      expect(events.map((e) => e.type)).toEqual(['rcp.health.scaling-policy-set.v1', 'rcp.health.scaling-decision-made.v1', 'rcp.health.scaling-applied.v1']);
      expect(events[2].data).toMatchObject({ decisionId, replicas: 4, service: 'checkout' });
      // The policy now counts the 4 it set (inventory has not observed them yet): the same load asks for 8.
      const again = await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 100 }] });
      expect(again.body.services[0]).toMatchObject({ currentReplicas: 4, desiredReplicas: 8 });
    });

    it('caps a decision by the tenant\'s maxReplicasPerService and says so', async () => {
      const { owner, base, agent, env } = await givenEnv({ maxReplicasPerService: 3 });
      await givenRunning(owner, env.id, 2);
      await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send(POLICY).expect(200);
      const res = await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 200 }] });
      expect(res.body.services[0]).toMatchObject({ currentReplicas: 2, desiredReplicas: 3, state: 'pending' });
      const page = await t.http().get(`${base}/scaling-decisions?service=checkout`).set(bearer(owner.viewer));
      expect(page.body.items[0]).toMatchObject({ recommendedReplicas: 8, desiredReplicas: 3, cappedBy: 'maxReplicasPerService', reasons: expect.arrayContaining(["capped by the tenant's quota maxReplicasPerService (3)"]) });
    });

    it('does not scale an unhealthy service up, and records the held decision', async () => {
      const { owner, base, agent, env } = await givenEnv();
      await givenRunning(owner, env.id, 2);
      await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send(POLICY).expect(200);
      for (const ms of [-3000, -2000, -1000]) {
        await t.http().post(`${base}/health-reports`).set(bearer(agent)).send({ observedAt: now(ms), checks: [{ service: 'checkout', status: 'fail' }] }).expect(200);
      }
      const res = await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 200 }] });
      expect(res.body.services[0]).toMatchObject({ currentReplicas: 2, desiredReplicas: 2, state: 'held' });
      const page = await t.http().get(`${base}/scaling-decisions`).set(bearer(owner.viewer));
      expect(page.body.items[0]).toMatchObject({ state: 'held', health: 'unhealthy', cappedBy: 'health', operationId: null });
    });

    it('refuses metrics from another environment\'s agent, in the future, or malformed; lists decisions by page', async () => {
      const { owner, base, agent, env } = await givenEnv();
      const other = await givenEnv();
      expect((await t.http().post(`${base}/metrics`).set(bearer(other.agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 1 }] })).status).toBe(403);
      expect((await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(60_000), services: [{ service: 'checkout', cpu: 1 }] })).status).toBe(400);
      expect((await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: -1 }] })).status).toBe(400);
      expect((await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', memory: 1 }] })).status).toBe(400);
      await givenRunning(owner, env.id, 2);
      await t.http().put(`${base}/services/checkout/scaling-policy`).set(bearer(owner.admin)).send({ ...POLICY, scaleUpWhenUnhealthy: false }).expect(200);
      await t.http().post(`${base}/metrics`).set(bearer(agent)).send({ observedAt: now(), services: [{ service: 'checkout', cpu: 100 }] }).expect(200);
      const first = await t.http().get(`${base}/scaling-decisions?limit=1`).set(bearer(owner.viewer));
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toBeNull();
      expect((await t.http().get(`${base}/scaling-decisions`).set(bearer(other.owner.viewer))).status).toBe(404);
      expect((await t.http().get(`${base}/scaling-decisions?cursor=nope`).set(bearer(owner.viewer))).status).toBe(400);
    });
  });
});
