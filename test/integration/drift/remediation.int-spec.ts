import { randomUUID } from 'node:crypto';
import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, deploymentIn, eventually, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(120_000);

const GATE = { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 };
const REPO = 'https://git.example.com/acme/config.git';
const commit = () => randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);

interface Row {
  id: string;
  state: string;
  reason: string | null;
  attempts: Array<{ deploymentId: string | null; outcome: string; reason: string | null }>;
  resolution: { how: string } | null;
}

/**
 * Auto-remediation end to end on the simulated data plane, inventory reading it back: a corrective
 * deployment that cannot start is recorded failed with its reasons and the finding is open again with
 * them; a divergence that a person keeps re-creating by hand is remediated, then left for a person.
 */
describe('drift remediation', () => {
  let t: App;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_READY_STEP_MS: '30',
      SIMULATED_LATENCY_MS: '20',
      HEALTH_PULL_INTERVAL_SECONDS: '1',
      ACTUAL_STATE_PULL_INTERVAL_SECONDS: '1',
      DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
      DRIFT_DEBOUNCE_SECONDS: '1',
      DRIFT_REMEDIATION_BACKOFF_SECONDS: '0',
      DRIFT_REMEDIATION_MAX_ATTEMPTS: '2',
      JOB_BACKOFF_BASE_MS: '50',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
    });
  });
  afterAll(() => t.close());

  const findings = (envId: string): Promise<Row[]> => t.asOwner(`SELECT id, state, reason, attempts, resolution FROM drift.findings WHERE environment_id = $1 ORDER BY created_at`, [envId]);
  const running = async (envId: string) => (await t.app.get(SimulatedDataPlane).world.actualState(envId)).services.find((s) => s.name === 'checkout');
  const givenDeployed = async (image: string): Promise<{ owner: GivenTenant; envId: string }> => {
    const owner = await givenTenant(t);
    const env = await givenReadyEnvironment(t, owner, { projectId: 'shop' });
    expect((await t.http().post(`/v1/environments/${env.id}/config-versions`).set(bearer(owner.admin)).send({ service: 'checkout', entries: { LOG_LEVEL: 'info' } })).status).toBe(201);
    await delivered(t, env.id);
    // Accepted once the deployment context's read models have the configuration version (its events travel on their own).
    const res = await eventually(async () => {
      const r = await t.http().post('/v1/deployments').set(bearer(owner.deployer)).send({ environmentId: env.id, service: 'checkout', image, configVersion: 1, secretBindings: [], strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0 }, healthGate: GATE, replicas: 2 });
      return r.status === 409 && r.body.code === 'precondition_failed' ? undefined : r;
    }, 15_000, 100, 'the deployment accepted');
    expect(res.status).toBe(202);
    expect((await deploymentIn(t, owner.viewer, res.body.id, ['succeeded', 'failed', 'rolled_back'], 45_000)).state).toBe('succeeded');
    await eventually(async () => (await t.asOwner(`SELECT image FROM drift.services WHERE environment_id = $1`, [env.id]))[0]?.image === image, 20_000, 100, 'drift sees what runs');
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).send({ mode: 'auto' })).status).toBe(200);
    return { owner, envId: env.id };
  };
  const desire = async (owner: GivenTenant, envId: string, service: object) =>
    expect((await t.http().put(`/v1/environments/${envId}/desired-state`).set(bearer(owner.deployer)).send({ source: { repository: REPO, revision: commit(), path: 'envs/prod' }, services: [service] })).status).toBe(200);

  it('records a corrective deployment whose preconditions fail as failed, with its reasons, and opens the finding again with them', async () => {
    const { owner, envId } = await givenDeployed('registry.example/checkout:1.0.0');
    // Git pins a configuration no published version has.
    await desire(owner, envId, { name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2, configChecksum: 'f'.repeat(64) });
    const [f] = await eventually(async () => {
      const rows = await findings(envId);
      return rows[0]?.attempts[0]?.outcome === 'failed' ? rows : undefined;
    }, 30_000, 100, 'the corrective deployment failed');
    expect(f.state).toBe('open');
    const deploymentId = f.attempts[0].deploymentId!;
    const deployment = (await t.http().get(`/v1/deployments/${deploymentId}`).set(bearer(owner.viewer))).body;
    expect(deployment).toMatchObject({ state: 'failed', reason: 'drift-remediation', cause: { findingId: f.id }, release: { configVersion: 2 } });
    expect(deployment.timeline.at(-1).message).toMatch(/preconditions failed: .*configuration version 2/);
    expect(f.attempts[0].reason).toMatch(/preconditions failed/);
    // What runs did not change.
    expect((await running(envId))?.image).toBe('registry.example/checkout:1.0.0');
  });

  it('remediates a divergence a person re-creates by hand, then leaves it for a person (the loop guard)', async () => {
    const { owner, envId } = await givenDeployed('registry.example/checkout:1.0.0');
    await desire(owner, envId, { name: 'checkout', image: 'registry.example/checkout:1.1.0', replicas: 2 });
    const world = t.app.get(SimulatedDataPlane).world;
    /** Someone puts 1.0.0 back with kubectl: the running revision's image changes outside the control plane. */
    const byHand = async () => {
      const svc = (await running(envId))!;
      const primary = [...svc.revisions].sort((a, b) => b.trafficWeight - a.trafficWeight)[0];
      await world.submit({
        kind: 'apply-revision',
        operationId: randomUUID(),
        attempt: 1,
        callbackUrl: '',
        environmentId: envId,
        service: 'checkout',
        spec: { revision: primary.revision, image: 'registry.example/checkout:1.0.0', configChecksum: primary.configChecksum, secretRefs: [], replicas: primary.replicas, trafficWeight: primary.trafficWeight },
      } as never);
    };
    const resolvedCount = async (n: number) =>
      eventually(async () => {
        const rows = await findings(envId);
        return rows.filter((r) => r.state === 'resolved').length >= n ? rows : undefined;
      }, 40_000, 100, `${n} finding(s) remediated`);

    await resolvedCount(1);
    await byHand();
    const second = await resolvedCount(2);
    expect(second.map((r) => r.resolution?.how)).toEqual([expect.stringMatching(/^remediated by deployment /), expect.stringMatching(/^remediated by deployment /)]);
    await byHand();
    const left = await eventually(async () => {
      const rows = await findings(envId);
      const last = rows[2];
      return last?.reason?.includes('left for a person') ? last : undefined;
    }, 30_000, 100, 'the third divergence left for a person');
    expect(left).toMatchObject({ state: 'open', attempts: [] });
    expect(left.reason).toMatch(/^remediated 2 times within 3600 s and the divergence came back each time: left for a person$/);
    const corrective = (await t.http().get(`/v1/deployments?environmentId=${envId}`).set(bearer(owner.viewer))).body.items.filter((d: { reason: string }) => d.reason === 'drift-remediation');
    expect(corrective).toHaveLength(2);
    // A person may still remediate it.
    const manual = await t.http().post(`/v1/drift-findings/${left.id}/remediate`).set(bearer(owner.deployer)).send({});
    expect(manual.status).toBe(202);
    expect(manual.body.attempts).toEqual([expect.objectContaining({ automatic: false, outcome: 'requested' })]);
  });
});
