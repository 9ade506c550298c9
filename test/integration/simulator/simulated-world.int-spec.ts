import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ApplyRevisionOperation, EnvironmentOperation, ExecutorOperation } from '@rcp/executor';
import { Outcome, SimulatedWorld, WorldSettings } from '@rcp/simulator';
import { createTestDatabase } from '@rcp/testing';

const SETTINGS: WorldSettings = { latencyMs: 1000, failureRate: 0, defaultLoadRps: 40, readyStepMs: 500, progressDeadlineMs: 5000 };

/** The simulated data plane on a real Postgres, with a clock the test moves. */
describe('simulated world', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let now: Date;
  let world: SimulatedWorld;
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  const reported: Outcome[] = [];
  const collect = async (o: Outcome) => void reported.push(o);
  /** Moves the clock and lets the world complete and report what is due. */
  const step = async (ms: number) => {
    advance(ms);
    await world.completeDue();
    await world.reportOutcomes(collect);
  };

  const env = (labels: Record<string, string> = {}, over: Partial<EnvironmentOperation> = {}): EnvironmentOperation => ({
    operationId: randomUUID(),
    kind: 'provision',
    attempt: 1,
    round: 1,
    callbackUrl: 'http://cp.invalid/cb',
    environment: { id: `env-${randomUUID()}`, tenantId: 'acme', projectId: 'web', name: 'staging', type: 'staging', region: 'eu-west-1', labels, placement: {} },
    ...over,
  });
  const apply = (environmentId: string, image: string, over: Partial<ApplyRevisionOperation['spec']> = {}, service = 'api'): ApplyRevisionOperation => ({
    operationId: randomUUID(),
    kind: 'apply-revision',
    attempt: 1,
    callbackUrl: 'http://cp.invalid/cb',
    environmentId,
    service,
    spec: { revision: 'r1', image, configChecksum: 'sha256:c1', secretRefs: [{ name: 'DB_PASSWORD', ref: 'vault://kv/acme/db#3' }], replicas: 2, trafficWeight: 100, ...over },
  });
  const outcomeOf = (op: ExecutorOperation) => reported.find((o) => o.operationId === op.operationId);
  const provisioned = async (labels: Record<string, string> = {}) => {
    const op = env(labels);
    await world.submit(op);
    await step(SETTINGS.latencyMs);
    expect(outcomeOf(op)).toMatchObject({ succeeded: true });
    return op.environment.id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 4 });
    now = new Date('2026-06-01T12:00:00Z');
    world = new SimulatedWorld(pool, SETTINGS, () => now);
    await world.install();
    await world.install();
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('completes an environment operation after its latency, once, and reports it once even when submitted twice', async () => {
    const op = env();
    expect(await world.submit(op)).toBe(true);
    expect(await world.submit(op)).toBe(false);
    await step(999);
    expect(outcomeOf(op)).toBeUndefined();
    expect((await world.actualState(op.environment.id)).environment).toBe('absent');
    await step(1);
    expect(reported.filter((o) => o.operationId === op.operationId)).toEqual([
      { operationId: op.operationId, kind: 'provision', environmentId: op.environment.id, succeeded: true, reason: null, callbackUrl: 'http://cp.invalid/cb', attempts: 0, traceparent: null },
    ]);
    expect((await world.actualState(op.environment.id)).environment).toBe('present');
    await step(10_000);
    expect(reported.filter((o) => o.operationId === op.operationId)).toHaveLength(1);
  });

  it('fails on request by label, takes the latency a label asks for, and retries a report that failed', async () => {
    const failing = env({ 'rcp.dev/simulate-failure': 'provision-once', 'rcp.dev/simulate-latency-ms': '3000' });
    await world.submit(failing);
    await step(2000);
    expect(outcomeOf(failing)).toBeUndefined();
    let refuse = true;
    advance(1000);
    await world.completeDue();
    await world.reportOutcomes(async (o) => {
      if (refuse) throw new Error('control plane down');
      reported.push(o);
    });
    expect(await world.operation(failing.operationId)).toEqual({ state: 'failed', reason: expect.stringMatching(/failed provisioning on request/), reported: false });
    refuse = false;
    await step(1000);
    expect(outcomeOf(failing)).toMatchObject({ succeeded: false, attempts: 1 });
    // The next attempt of the same round succeeds.
    const second = env({ 'rcp.dev/simulate-failure': 'provision-once' }, { attempt: 2 });
    await world.submit(second);
    await step(1000);
    expect(outcomeOf(second)).toMatchObject({ succeeded: true });
  });

  it('brings an applied revision up replica by replica and completes the apply when all are ready', async () => {
    const id = await provisioned();
    const op = apply(id, 'registry.example/api:1.0.0', { replicas: 3 });
    await world.submit(op);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push((await world.actualState(id)).services[0]?.readyReplicas ?? -1);
      await step(500);
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(outcomeOf(op)).toMatchObject({ succeeded: true, kind: 'apply-revision' });
    const state = await world.actualState(id);
    expect(state.services).toEqual([
      {
        name: 'api',
        image: 'registry.example/api:1.0.0',
        configChecksum: 'sha256:c1',
        replicas: 3,
        readyReplicas: 3,
        revisions: [{ revision: 'r1', image: 'registry.example/api:1.0.0', configChecksum: 'sha256:c1', replicas: 3, readyReplicas: 3, trafficWeight: 100, healthy: true }],
      },
    ]);
    expect(JSON.stringify(state)).not.toContain('vault://');
  });

  it('keeps ready replicas on a scale-up and a weight change, restarts them on a new image', async () => {
    const id = await provisioned();
    await world.submit(apply(id, 'api:1', { replicas: 2 }));
    await step(1000);
    const scale: ExecutorOperation = { operationId: randomUUID(), kind: 'scale', attempt: 1, callbackUrl: 'x', environmentId: id, service: 'api', replicas: 4 };
    await world.submit(scale);
    expect((await world.actualState(id)).services[0]).toMatchObject({ replicas: 4, readyReplicas: 2 });
    await step(1000);
    expect(outcomeOf(scale)).toMatchObject({ succeeded: true });
    await world.submit(apply(id, 'api:1', { replicas: 4, trafficWeight: 80 }));
    expect((await world.actualState(id)).services[0]).toMatchObject({ readyReplicas: 4, revisions: [expect.objectContaining({ trafficWeight: 80 })] });
    await world.submit(apply(id, 'api:2', { replicas: 4 }));
    expect((await world.actualState(id)).services[0]).toMatchObject({ image: 'api:2', readyReplicas: 0 });
  });

  it('fails a crash-looping revision at the progress deadline, and reports a canary that fails its checks as unhealthy', async () => {
    const id = await provisioned();
    await world.submit(apply(id, 'api:1', { replicas: 2, trafficWeight: 90 }));
    await step(1000);
    const canary = apply(id, 'api:2-unhealthy', { revision: 'r2', replicas: 1, trafficWeight: 10 });
    await world.submit(canary);
    await step(500);
    expect(outcomeOf(canary)).toMatchObject({ succeeded: true });
    const state = await world.actualState(id);
    expect(state.services[0].image).toBe('api:1');
    expect(state.services[0].revisions.map((r) => [r.revision, r.healthy])).toEqual([
      ['r1', true],
      ['r2', false],
    ]);
    const metrics = await world.metrics(id);
    const [stable, bad] = metrics.revisions;
    expect(bad.errorRate).toBeGreaterThan(0.2);
    expect(stable.errorRate).toBeLessThan(0.01);

    const crash = apply(id, 'api:3-crashloop', { revision: 'r3', replicas: 1, trafficWeight: 0 });
    await world.submit(crash);
    await step(4999);
    expect(outcomeOf(crash)).toBeUndefined();
    await step(1);
    expect(outcomeOf(crash)).toMatchObject({ succeeded: false, reason: 'revision r3 of service api did not become ready within 5 s: its replicas keep crashing' });
  });

  it('moves metrics with load and replicas', async () => {
    const id = await provisioned();
    await world.submit(apply(id, 'api:1', { replicas: 1 }));
    await step(500);
    await world.setLoad(id, 'api', 10);
    const light = (await world.metrics(id)).revisions[0];
    await world.setLoad(id, 'api', 60);
    const heavy = (await world.metrics(id)).revisions[0];
    expect(heavy.requestsPerSecond).toBeGreaterThan(light.requestsPerSecond * 5);
    expect(heavy.cpuPercent).toBeGreaterThan(light.cpuPercent);
    await world.submit(apply(id, 'api:1', { replicas: 4 }));
    await step(1500);
    const spread = (await world.metrics(id)).revisions[0];
    expect(spread.readyReplicas).toBe(4);
    expect(spread.cpuPercent).toBeLessThan(heavy.cpuPercent / 2);
    await expect(world.setLoad(id, 'api', -1)).rejects.toThrow(RangeError);
  });

  it('removes a revision or a whole service, refuses work in an environment that does not exist, and forgets a decommissioned one', async () => {
    const id = await provisioned();
    await world.submit(apply(id, 'api:1', { replicas: 1 }));
    await world.submit(apply(id, 'api:1', { revision: 'r2', replicas: 1, trafficWeight: 0 }));
    await world.submit(apply(id, 'web:1', { replicas: 1 }, 'web'));
    const removeRevision: ExecutorOperation = { operationId: randomUUID(), kind: 'remove', attempt: 1, callbackUrl: 'x', environmentId: id, service: 'api', revision: 'r2' };
    const removeService: ExecutorOperation = { operationId: randomUUID(), kind: 'remove', attempt: 1, callbackUrl: 'x', environmentId: id, service: 'web' };
    await world.submit(removeRevision);
    await world.submit(removeService);
    expect((await world.actualState(id)).services.map((s) => [s.name, s.revisions.map((r) => r.revision)])).toEqual([['api', ['r1']]]);
    await step(1000);
    expect(outcomeOf(removeRevision)).toMatchObject({ succeeded: true });
    expect(outcomeOf(removeService)).toMatchObject({ succeeded: true });

    const nowhere = apply('env-missing', 'api:1');
    await world.submit(nowhere);
    await step(1000);
    expect(outcomeOf(nowhere)).toMatchObject({ succeeded: false, reason: 'environment env-missing does not exist' });

    const down = env({}, { kind: 'decommission', environment: { ...env().environment, id } });
    await world.submit(down);
    await step(1000);
    expect(outcomeOf(down)).toMatchObject({ succeeded: true });
    expect(await world.actualState(id)).toMatchObject({ environment: 'absent', services: [] });
  });

  it('forgets reported operations once they are older than what it keeps, never one in flight or unreported', async () => {
    const reportedOp = env();
    await world.submit(reportedOp);
    await step(SETTINGS.latencyMs);
    const inFlight = env({ 'rcp.dev/simulate-latency-ms': '600000' });
    await world.submit(inFlight);
    const unreported = env();
    await world.submit(unreported);
    advance(SETTINGS.latencyMs);
    await world.completeDue();
    advance(2 * 3600_000);
    expect(await world.pruneReported(3600_000)).toBeGreaterThanOrEqual(1);
    expect(await world.operation(reportedOp.operationId)).toBeNull();
    expect(await world.operation(inFlight.operationId)).toMatchObject({ state: 'pending' });
    expect(await world.operation(unreported.operationId)).toMatchObject({ state: 'succeeded', reported: false });
  });
});
