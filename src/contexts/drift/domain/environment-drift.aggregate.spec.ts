import { aDesiredService, aDesiredState, anEnvironmentDrift, at } from './drift.mother';

describe("an environment's drift record", () => {
  it('makes a newer desired state the newest, and publishes that it did', () => {
    const d = anEnvironmentDrift();
    const out = d.recordDesiredState(aDesiredState([aDesiredService('checkout', { replicas: 5 })], { observedAt: at(60), source: { repository: 'https://git.example.com/acme/config.git', revision: 'b'.repeat(40), path: 'envs/prod' } }), 's-2', 'ci', at(61));
    expect(out).toMatchObject({ current: true, reason: null, duplicate: false });
    expect(d.desired?.source.revision).toBe('b'.repeat(40));
    expect(d.pullEvents().map((e) => [e.name, e.payload])).toEqual([['DesiredStateRecorded', expect.objectContaining({ current: true, revision: 'b'.repeat(40), services: 1 })]]);
    expect(d.takeRecordedSnapshots().map((s) => s.id)).toEqual(['s-2']);
  });

  it('records an older revision of the same repository without letting it replace the newest, and says so', () => {
    const d = anEnvironmentDrift(aDesiredState(undefined, { observedAt: at(100) }));
    const out = d.recordDesiredState(aDesiredState([aDesiredService('checkout', { replicas: 1 })], { observedAt: at(50), source: { repository: 'https://git.example.com/acme/config.git', revision: 'c'.repeat(40), path: 'envs/prod' } }), 's-old', 'ci', at(101));
    expect(out).toMatchObject({ current: false, reason: expect.stringContaining('older than the newest snapshot') });
    expect(d.desired?.source.revision).toBe('a'.repeat(40));
    expect(d.takeRecordedSnapshots().map((s) => s.id)).toEqual(['s-old']);
  });

  it('records nothing for the same source and services again', () => {
    const d = anEnvironmentDrift();
    expect(d.recordDesiredState(aDesiredState(undefined, { observedAt: at(10) }), 's-3', 'ci', at(10))).toMatchObject({ duplicate: true, current: true });
    expect(d.pullEvents()).toEqual([]);
  });

  it('publishes a reconciliation asked for, or one that found or resolved something; a quiet scheduled one changes nothing', () => {
    const d = anEnvironmentDrift();
    const quiet = { open: 0, detected: 0, resolved: 0, explained: 0, skipped: 0 };
    expect(d.reconciled('scheduled', quiet, at(1))).toBe(false);
    expect(d.reconciled('on-demand', quiet, at(2))).toBe(true);
    expect(d.reconciled('scheduled', { ...quiet, detected: 1, open: 1 }, at(3))).toBe(true);
    expect(d.pullEvents().map((e) => e.name)).toEqual(['ReconciliationCompleted', 'ReconciliationCompleted']);
  });

  it('versions its policy on its own, and keeps a policy that changes nothing unchanged', () => {
    const d = anEnvironmentDrift();
    expect(d.setPolicy({ mode: 'manual', allow: ['rollback', 'redeploy', 'reapply'], windows: [], reconcileIntervalSeconds: null }, at(1))).toBe(true);
    expect(d.policyVersion).toBe(1);
    expect(d.setPolicy({ mode: 'manual', allow: ['reapply', 'rollback', 'redeploy'], windows: [], reconcileIntervalSeconds: null }, at(1))).toBe(false);
    expect(d.setPolicy({ mode: 'auto', allow: ['redeploy'], windows: [], reconcileIntervalSeconds: 60 }, at(2))).toBe(true);
    expect(d.policy).toEqual({ mode: 'auto', allow: ['redeploy'], windows: [], reconcileIntervalSeconds: 60 });
    expect(d.policyVersion).toBe(2);
  });
});
