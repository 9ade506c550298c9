import { randomUUID } from 'node:crypto';
import { DomainError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { startTestApp } from '@rcp/testing';
import { DeploymentRepository } from '../../../src/contexts/deployment/domain/deployment.repository';
import { RuntimeDeployment } from '../../../src/contexts/deployment/domain/runtime-deployment.aggregate';
import { PREVIOUS, aDeployment, at, evaluation } from '../../../src/contexts/deployment/domain/runtime-deployment.mother';

type App = Awaited<ReturnType<typeof startTestApp>>;

/** The deployment repository on a real database: round trip, events, one unfinished rollout per service, tenant scope. */
describe('deployment repository', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t.close());

  const inTenant = <T>(tenantId: string, work: (repo: DeploymentRepository) => Promise<T>) =>
    t.app.get(TransactionManager).run(() => work(t.app.get(DeploymentRepository)), { tenantId, platform: false });
  const fresh = (overrides: Parameters<typeof aDeployment>[0] = {}) => aDeployment({ id: randomUUID(), environmentId: randomUUID(), ...overrides });

  it('keeps a deployment whole (plan, timeline with its gate evaluations, dates) and publishes its events with it', async () => {
    const d = fresh();
    d.start(at(0));
    d.stepApplied(at(1));
    d.gateEvaluated(evaluation('inconclusive', 10, ['healthy for 9 s of 30 s']));
    const before = d.snapshot();
    await inTenant('acme', (repo) => repo.save(d));
    const loaded = await inTenant('acme', (repo) => repo.findById(d.id));
    expect(loaded!.snapshot()).toEqual(before);
    expect(loaded!.version).toBe(1);
    expect(loaded!.snapshot().timeline.at(-1)!.evaluation!.at).toBeInstanceOf(Date);
    // In one snapshot: the relay may be moving them from the outbox to the log meanwhile.
    const events = await t.asOwner(`SELECT type FROM platform.outbox_events WHERE aggregate_id = $1 UNION ALL SELECT type FROM platform.event_log WHERE aggregate_id = $1`, [d.id]);
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual([
      'rcp.deployment.deployment-created.v1',
      'rcp.deployment.deployment-step-started.v1',
      'rcp.deployment.deployment-verifying.v1',
    ]); // sorted by name
  });

  it('refuses a second unfinished deployment of a service, and a stale save', async () => {
    const first = fresh();
    await inTenant('acme', (repo) => repo.save(first));
    const snapshot = first.snapshot();
    const second = aDeployment({ id: randomUUID(), environmentId: snapshot.environmentId, revision: 5 });
    const refused = await inTenant('acme', (repo) => repo.save(second)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('precondition_failed');

    const a = (await inTenant('acme', (repo) => repo.findById(first.id)))!;
    const b = (await inTenant('acme', (repo) => repo.findById(first.id)))!;
    a.start(at(1));
    await inTenant('acme', (repo) => repo.save(a));
    b.abort('admin@acme', 'late', at(2));
    const stale = await inTenant('acme', (repo) => repo.save(b)).catch((e: unknown) => e);
    expect((stale as DomainError).code).toBe('concurrent_modification');
    expect((await inTenant('acme', (repo) => repo.activeOf(snapshot.environmentId, 'checkout')))!.id).toBe(first.id);
  });

  it('remembers the last succeeded release and the highest revision, and lets the next rollout start once one finishes', async () => {
    const environmentId = randomUUID();
    const d = fresh({ environmentId });
    d.start(at(0));
    for (let i = 0; i < 3; i++) {
      d.stepApplied(at(10 * i + 1));
      if (d.state === 'verifying') d.gateEvaluated(evaluation('pass', 10 * i + 5));
      if (d.state === 'paused') d.pauseElapsed(at(10_000));
    }
    d.stepApplied(at(20_000));
    d.gateEvaluated(evaluation('pass', 20_040));
    expect(d.state).toBe('succeeded');
    await inTenant('acme', (repo) => repo.save(d));
    expect(await inTenant('acme', (repo) => repo.lastSucceeded(environmentId, 'checkout'))).toEqual(d.snapshot().release);
    expect(await inTenant('acme', (repo) => repo.activeOf(environmentId, 'checkout'))).toBeNull();

    const next = RuntimeDeployment.create({ ...nextInput(environmentId), previous: d.snapshot().release, revision: 5 }, at(30_000));
    next.start(at(30_000));
    next.stepApplied(at(30_001));
    next.gateEvaluated(evaluation('fail', 30_010, ['unhealthy since then']));
    await inTenant('acme', (repo) => repo.save(next));
    expect(await inTenant('acme', (repo) => repo.lastRevision(environmentId, 'checkout'))).toBe(5);
    expect(await inTenant('acme', (repo) => repo.lastSucceeded(environmentId, 'checkout'))).toMatchObject({ revision: 4 });
  });

  it('shows a tenant its own deployments only (row-level security), in creation order', async () => {
    const mine = fresh({ tenantId: 'mine' });
    const theirs = fresh({ tenantId: 'theirs' });
    await inTenant('mine', (repo) => repo.save(mine));
    await inTenant('theirs', (repo) => repo.save(theirs));
    expect(await inTenant('mine', (repo) => repo.findById(theirs.id))).toBeNull();
    const page = await inTenant('mine', (repo) => repo.page({}, 50));
    expect(page.map((d) => d.id)).toEqual([mine.id]);
    expect(await inTenant('mine', (repo) => repo.page({ environmentId: mine.snapshot().environmentId, state: 'pending' }, 50))).toHaveLength(1);
    expect(await inTenant('mine', (repo) => repo.page({ state: 'succeeded' }, 50))).toHaveLength(0);
  });
});

function nextInput(environmentId: string) {
  return {
    id: randomUUID(),
    tenantId: 'acme',
    projectId: 'shop',
    environmentId,
    service: 'checkout',
    release: { image: 'registry.example/checkout:1.2.0', configVersion: 6, configChecksum: 'c6', secretBindings: ['DB_PASSWORD'] },
    runningReplicas: 4,
    replicas: 4,
    strategy: { type: 'rolling' as const, maxSurge: 1, maxUnavailable: 0 },
    healthGate: { minHealthySeconds: 30, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 120 },
    reason: 'deploy' as const,
    cause: null,
    createdBy: 'deployer@acme',
    previous: PREVIOUS,
  };
}
