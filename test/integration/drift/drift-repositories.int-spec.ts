import { randomUUID } from 'node:crypto';
import { DomainError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { startTestApp } from '@rcp/testing';
import { DriftFindingRepository, EnvironmentDriftRepository } from '../../../src/contexts/drift/domain/drift.repository';
import { RuntimeDriftFinding } from '../../../src/contexts/drift/domain/drift-finding.aggregate';
import { EnvironmentDrift } from '../../../src/contexts/drift/domain/environment-drift.aggregate';
import { COMMIT, DEPLOYMENT, T0, aDesiredService, aDesiredState, aDivergence, at } from '../../../src/contexts/drift/domain/drift.mother';

type App = Awaited<ReturnType<typeof startTestApp>>;

/** The drift repositories on a real database: round trips, one unresolved finding per fingerprint, the desired-state history, tenant scope. */
describe('drift repositories', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t.close());

  const inTenant = <T>(tenantId: string, work: () => Promise<T>) => t.app.get(TransactionManager).run(work, { tenantId, platform: false });
  const findings = () => t.app.get(DriftFindingRepository);
  const drifts = () => t.app.get(EnvironmentDriftRepository);
  const detect = (environmentId: string, fingerprint = 'fp-1') =>
    RuntimeDriftFinding.detect({ id: randomUUID(), tenantId: 'acme', projectId: 'shop', environmentId, fingerprint, desiredRevision: COMMIT, divergence: aDivergence(), earlierAttempts: [] }, T0);

  it('keeps a finding whole and publishes its events with it', async () => {
    const env = randomUUID();
    const f = detect(env);
    f.requestRemediation({ action: 'redeploy', toRevision: null, desired: { image: 'a:1', replicas: 2, configChecksum: null }, automatic: true, by: 'system:drift' }, at(1));
    f.remediationStarted(DEPLOYMENT, at(2));
    const before = f.snapshot();
    await inTenant('acme', () => findings().save(f));
    const loaded = (await inTenant('acme', () => findings().findById(f.id)))!;
    expect(loaded.snapshot()).toEqual(before);
    expect((await inTenant('acme', () => findings().byDeployment(DEPLOYMENT)))?.id).toBe(f.id);
    const events = await t.asOwner(`SELECT type FROM platform.outbox_events WHERE aggregate_id = $1 UNION ALL SELECT type FROM platform.event_log WHERE aggregate_id = $1`, [f.id]);
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual(['rcp.drift.drift-detected.v1', 'rcp.drift.remediation-requested.v1']);
    // Row-level security: another tenant does not see it.
    expect(await inTenant('globex', () => findings().findById(f.id))).toBeNull();
  });

  it('holds one unresolved finding per fingerprint; once resolved, the fingerprint may open again and the resolved one is found for the loop guard', async () => {
    const env = randomUUID();
    const first = detect(env);
    await inTenant('acme', () => findings().save(first));
    const twin = await inTenant('acme', () => findings().save(detect(env))).catch((e: unknown) => e);
    expect((twin as DomainError).code).toBe('concurrent_modification');
    first.resolve('the divergence is gone', at(10));
    await inTenant('acme', () => findings().save(first));
    await inTenant('acme', () => findings().save(detect(env)));
    expect((await inTenant('acme', () => findings().unresolvedOf(env))).length).toBe(1);
    expect((await inTenant('acme', () => findings().resolvedSince(env, 'fp-1', at(5))))?.id).toBe(first.id);
    expect(await inTenant('acme', () => findings().resolvedSince(env, 'fp-1', at(11)))).toBeNull();
  });

  it('appends every recorded desired state to the history (newest first) and starts the schedule of the environment', async () => {
    const env = randomUUID();
    const d = EnvironmentDrift.open({ environmentId: env, tenantId: 'acme', projectId: 'shop' }, T0);
    d.recordDesiredState(aDesiredState([aDesiredService('checkout')], { observedAt: at(100) }), randomUUID(), 'ci', at(100));
    await inTenant('acme', () => drifts().save(d));
    const again = (await inTenant('acme', () => drifts().find(env, { lock: true })))!;
    const old = again.recordDesiredState(aDesiredState([aDesiredService('checkout', { replicas: 9 })], { observedAt: at(50), source: { repository: 'https://git.example.com/acme/config.git', revision: 'b'.repeat(40), path: 'envs/prod' } }), randomUUID(), 'ci', at(101));
    expect(old.current).toBe(false);
    await inTenant('acme', () => drifts().save(again));
    const loaded = (await inTenant('acme', () => drifts().find(env)))!;
    expect(loaded.desired?.services[0].replicas).toBe(3);
    expect(loaded.desired?.observedAt).toEqual(at(100));
    const history = await inTenant('acme', () => drifts().history(env, 10));
    expect(history.map((h) => h.source.revision)).toEqual(['b'.repeat(40), COMMIT]);
    expect(await t.asOwner(`SELECT tenant_id, interval_seconds FROM drift.schedule WHERE environment_id = $1`, [env])).toEqual([{ tenant_id: 'acme', interval_seconds: null }]);
    expect(await inTenant('globex', () => drifts().find(env))).toBeNull();
  });
});
