import { randomUUID } from 'node:crypto';
import { ApplyRevisionOperation, ExecutorOperation } from '@rcp/executor';
import { SimulatedDataPlane } from '@rcp/simulator';
import { eventually, startTestApp, tenantTokens } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(45_000);

/**
 * What runs comes back with no agent: the simulated data plane runs what a test applies to it (the
 * deployment context will do so once it exists), and inventory pulls it on a schedule and right after
 * an environment became ready.
 */
describe('Actual state pulled from the data plane (e2e)', () => {
  let t: App;
  let platform: string;
  let acme: string;
  const http = () => t.http();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const world = () => t.app.get(SimulatedDataPlane).world;
  const apply = (environmentId: string, service: string, image: string, replicas: number): ApplyRevisionOperation => ({
    operationId: randomUUID(),
    kind: 'apply-revision',
    attempt: 1,
    callbackUrl: '',
    environmentId,
    service,
    spec: { revision: `${service}-1`, image, configChecksum: 'sha256:cfg1', secretRefs: [], replicas, trafficWeight: 100 },
  });
  const services = async (id: string) => (await http().get(`/v1/environments/${id}/services`).set(bearer(acme)).expect(200)).body.items as Array<Record<string, unknown>>;
  const readyEnvironment = async (name: string): Promise<string> => {
    const res = await http().post('/v1/environments').set(bearer(acme)).send({ name, projectId: 'web', type: 'staging', region: 'eu-west-1' }).expect(202);
    await eventually(async () => (await http().get(`/v1/environments/${res.body.id}`).set(bearer(acme))).body.state === 'ready', 15_000);
    return res.body.id as string;
  };
  const pulls = (id: string) =>
    t.asOwner(`SELECT state, result FROM platform.jobs WHERE name = 'inventory.pull-actual-state' AND target_id = $1 ORDER BY created_at`, [id]);

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_LATENCY_MS: '50',
      SIMULATED_READY_STEP_MS: '300',
      ACTUAL_STATE_PULL_INTERVAL_SECONDS: '1',
      JOB_SWEEP_INTERVAL_MS: '200',
      JOB_BACKOFF_BASE_MS: '20',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
    });
    platform = t.token({ roles: ['platform:admin'] });
    acme = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    await http()
      .post('/v1/tenants')
      .set(bearer(platform))
      .send({ id: 'acme', displayName: 'Acme', isolationMode: 'pooled', quotas: { maxEnvironments: 10, maxServicesPerEnvironment: 5, maxReplicasPerService: 10, maxTotalReplicas: 100 } })
      .expect(201);
    await eventually(async () => (await t.asOwner(`SELECT 1 FROM inventory.tenants WHERE tenant_id = 'acme'`)).length === 1);
  });
  afterAll(() => t.close());

  it('pulls an environment right after it becomes ready, and finds it empty; the pull is one recurring job per environment', async () => {
    const id = await readyEnvironment('fresh');
    const first = await eventually(async () => (await pulls(id)).find((j: { state: string }) => j.state === 'completed'));
    expect(first.result).toEqual({ pulled: true, observed: [], changed: [], removed: [] });
    expect(await services(id)).toEqual([]);
    // Pulled again and again (every second here), always in the same row of the ledger.
    const [{ updated }] = await t.asOwner(`SELECT updated_at AS updated FROM platform.jobs WHERE name = 'inventory.pull-actual-state' AND target_id = $1`, [id]);
    await eventually(async () => {
      const rows = await t.asOwner(`SELECT updated_at AS updated FROM platform.jobs WHERE name = 'inventory.pull-actual-state' AND target_id = $1`, [id]);
      return rows.length === 1 && new Date(rows[0].updated) > new Date(updated);
    }, 10_000);
    expect(await pulls(id)).toHaveLength(1);
  });

  it('shows what runs in an environment within seconds, with no agent report, and follows its replicas becoming ready', async () => {
    const id = await readyEnvironment('apps');
    await world().submit(apply(id, 'checkout', 'registry.example/checkout:2.4.1', 3));
    const seen = await eventually(async () => {
      const items = await services(id);
      return items.length === 1 ? items : undefined;
    }, 10_000);
    expect(seen[0]).toMatchObject({ name: 'checkout', image: 'registry.example/checkout:2.4.1', replicas: 3, configChecksum: 'sha256:cfg1' });
    const allReady = await eventually(async () => {
      const [s] = await services(id);
      return s?.readyReplicas === 3 ? s : undefined;
    }, 10_000);
    expect(allReady).toMatchObject({ readyReplicas: 3 });
    const events = await t.asOwner(`SELECT type FROM platform.event_log WHERE aggregate_id = $1 ORDER BY position`, [`${id}/services`]);
    expect(events[0]).toEqual({ type: 'rcp.inventory.service-observed.v1' });
    expect(events.slice(1).every((e: { type: string }) => e.type === 'rcp.inventory.service-changed.v1')).toBe(true);
  });

  it('records a pull that changed something in the audit log as the data plane\'s report, and leaves none for a pull that changed nothing', async () => {
    const id = await readyEnvironment('quiet');
    await world().submit(apply(id, 'api', 'registry.example/api:1.0.0', 1));
    await eventually(async () => (await services(id))[0]?.readyReplicas === 1, 10_000);
    const auditOf = () =>
      t.asOwner(`SELECT actor, result, details FROM platform.audit_log WHERE action = 'environment.report-actual-state' AND target_id = $1 ORDER BY id`, [id]);
    const audit = await auditOf();
    expect(audit.length).toBeGreaterThanOrEqual(1);
    for (const row of audit) expect(row).toMatchObject({ result: 'allowed', details: expect.objectContaining({ source: 'data-plane' }) });
    // Let several more pulls run (one a second): nothing changes any more, so nothing more is audited.
    const runs = async () => (await t.asOwner(`SELECT updated_at FROM platform.jobs WHERE name = 'inventory.pull-actual-state' AND target_id = $1`, [id]))[0].updated_at as Date;
    for (let i = 0; i < 2; i++) {
      const last = await runs();
      await eventually(async () => (await runs()) > last, 10_000);
    }
    expect(await auditOf()).toEqual(audit);
  });

  it('keeps the observation time of a pull that changed nothing, so an agent report observed before it is stale', async () => {
    const id = await readyEnvironment('stale-agent');
    await world().submit(apply(id, 'api', 'registry.example/api:1.0.0', 1));
    await eventually(async () => (await services(id))[0]?.readyReplicas === 1, 10_000);
    const seen = async () => (await http().get(`/v1/environments/${id}/services`).set(bearer(acme)).expect(200)).body.lastObservedAt as string;
    const first = await seen();
    // A later pull finds the same: nothing is published, but the observation time moves on.
    const later = await eventually(async () => {
      const at = await seen();
      return at > first ? at : undefined;
    }, 10_000);
    const agent = tenantTokens(t, 'acme').agent(id);
    const between = new Date((new Date(first).getTime() + new Date(later).getTime()) / 2).toISOString();
    const res = await http()
      .put(`/v1/environments/${id}/actual-state`)
      .set(bearer(agent))
      .send({ observedAt: between, services: [{ name: 'api', image: 'registry.example/api:0.9.0', replicas: 1, readyReplicas: 1, configChecksum: null }] })
      .expect(200);
    expect(res.body).toMatchObject({ applied: false });
    expect((await services(id))[0]).toMatchObject({ image: 'registry.example/api:1.0.0' });
  });

  it('removes from the inventory what the data plane no longer runs, and stops pulling a decommissioned environment', async () => {
    const id = await readyEnvironment('shrinking');
    await world().submit(apply(id, 'web', 'registry.example/web:1', 1));
    await world().submit(apply(id, 'worker', 'registry.example/worker:1', 1));
    await eventually(async () => (await services(id)).length === 2, 10_000);
    const remove: ExecutorOperation = { operationId: randomUUID(), kind: 'remove', attempt: 1, callbackUrl: '', environmentId: id, service: 'worker' };
    await world().submit(remove);
    await eventually(async () => (await services(id)).map((s) => s.name).join() === 'web', 10_000);

    await http().delete(`/v1/environments/${id}`).set(bearer(acme)).expect(202);
    await eventually(async () => (await http().get(`/v1/environments/${id}`).set(bearer(acme))).body.state === 'decommissioned', 15_000);
    const settled = (await pulls(id)).length;
    await new Promise((r) => setTimeout(r, 2500));
    const later = await pulls(id);
    // A pull already queued when it went away ends without reading; none is queued afterwards.
    expect(later.length).toBeLessThanOrEqual(settled + 1);
    expect(later.slice(settled).every((j: { result: { pulled: boolean } }) => j.result?.pulled === false)).toBe(true);
  });
});
