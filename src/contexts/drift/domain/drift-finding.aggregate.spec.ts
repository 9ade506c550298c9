import { DomainError } from '@rcp/ddd';
import { COMMIT, DEPLOYMENT, ENV, T0, aDivergence, aFinding, aRemediatingFinding, at } from './drift.mother';
import { RuntimeDriftFinding } from './drift-finding.aggregate';

const names = (f: RuntimeDriftFinding) => f.pullEvents().map((e) => e.name);
const code = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'none';
};

describe('a drift finding', () => {
  it('is detected open, with its desired and actual values, evidence and first sighting', () => {
    const f = RuntimeDriftFinding.detect({ id: 'f-1', tenantId: 'acme', projectId: 'shop', environmentId: ENV, fingerprint: 'fp', desiredRevision: COMMIT, divergence: aDivergence(), earlierAttempts: [] }, T0);
    expect(f.snapshot()).toMatchObject({ state: 'open', occurrences: 1, firstSeenAt: T0, lastSeenAt: T0, desired: 'registry.example.com/acme/checkout:1.0.0', actual: 'registry.example.com/acme/checkout:0.9.0' });
    expect(f.pullEvents().map((e) => [e.name, e.payload])).toEqual([['DriftDetected', expect.objectContaining({ kind: 'image-mismatch', fingerprint: 'fp', desiredRevision: COMMIT })]]);
  });

  it('counts each sighting, publishing nothing for it', () => {
    const f = aFinding();
    f.observe(aDivergence({ actual: 'x:2' }), COMMIT, at(180));
    expect(f.snapshot()).toMatchObject({ occurrences: 2, lastSeenAt: at(180), actual: 'x:2', firstSeenAt: T0 });
    expect(names(f)).toEqual([]);
  });

  it('is resolved with how it ended', () => {
    const f = aFinding();
    f.resolve('the divergence is gone', at(5));
    expect(f.snapshot()).toMatchObject({ state: 'resolved', resolution: { how: 'the divergence is gone', at: at(5).toISOString() } });
    expect(names(f)).toEqual(['DriftResolved']);
    expect(code(() => f.requestRemediation({ action: 'redeploy', toRevision: null, desired: null, automatic: false, by: 'x' }, at(6)))).toBe('invalid_state_transition');
  });

  it('follows its corrective deployment: requested, started, succeeded, then resolved by the reconciliation that confirms it', () => {
    const f = aRemediatingFinding();
    expect(f.snapshot().attempts).toEqual([expect.objectContaining({ action: 'redeploy', deploymentId: DEPLOYMENT, outcome: 'started', automatic: true })]);
    expect(f.remediationStarted(DEPLOYMENT, at(3))).toBe(false);
    expect(f.remediationSucceeded(DEPLOYMENT, at(60))).toBe(true);
    expect(f.state).toBe('remediating');
    f.resolve(`remediated by deployment ${DEPLOYMENT}`, at(70));
    expect(f.state).toBe('resolved');
  });

  it('is not resolved while its corrective deployment is still rolling out', () => {
    const f = aRemediatingFinding();
    f.resolve('the divergence is gone', at(10));
    expect(f.state).toBe('remediating');
  });

  it('opens again with the reason when its corrective deployment fails, or succeeds without the divergence going away', () => {
    const failed = aRemediatingFinding();
    expect(failed.remediationFailed(DEPLOYMENT, 'failed', 'the executor refused', at(30))).toBe(true);
    expect(failed.snapshot()).toMatchObject({ state: 'open', reason: `corrective deployment ${DEPLOYMENT} failed: the executor refused` });
    expect(names(failed)).toEqual(['RemediationFailed']);
    const notHeld = aRemediatingFinding();
    notHeld.remediationSucceeded(DEPLOYMENT, at(60));
    notHeld.observe(aDivergence(), COMMIT, at(90));
    expect(notHeld.snapshot()).toMatchObject({ state: 'open', reason: `corrective deployment ${DEPLOYMENT} succeeded, but the divergence remains` });
    expect(notHeld.snapshot().attempts[0].outcome).toBe('not-held');
  });

  it('is quarantined when the health gate rolled the desired image back, and leaves quarantine only with a newer desired-state revision', () => {
    const f = aRemediatingFinding();
    expect(f.quarantine({ image: 'registry.example.com/acme/checkout:1.0.0', deploymentId: DEPLOYMENT, reason: 'error rate 0.3 above 0.05' }, at(40))).toBe(true);
    expect(f.snapshot()).toMatchObject({ state: 'quarantined', reason: expect.stringContaining('rolled back by its health gate') });
    expect(names(f)).toEqual(['FindingQuarantined']);
    expect(code(() => f.requestRemediation({ action: 'redeploy', toRevision: null, desired: null, automatic: false, by: 'x' }, at(41)))).toBe('invalid_state_transition');
    f.observe(aDivergence(), COMMIT, at(200));
    expect(f.state).toBe('quarantined');
    f.observe(aDivergence(), 'b'.repeat(40), at(400));
    expect(f.snapshot()).toMatchObject({ state: 'open', quarantine: null });
  });

  it('is suppressed with a reason until its expiry, and refuses what its state does not allow', () => {
    const f = aFinding();
    f.suppress('hotfix until Friday', at(3600), 'ops@acme', T0);
    expect(f.snapshot().suppression).toEqual({ reason: 'hotfix until Friday', until: at(3600).toISOString(), by: 'ops@acme', at: T0.toISOString() });
    expect(names(f)).toEqual(['FindingSuppressed']);
    expect(code(() => f.suppress('again', null, 'ops@acme', at(1)))).toBe('invalid_state_transition');
    expect(code(() => f.requestRemediation({ action: 'redeploy', toRevision: null, desired: null, automatic: false, by: 'x' }, at(2)))).toBe('invalid_state_transition');
    f.observe(aDivergence(), COMMIT, at(1800));
    expect(f.state).toBe('suppressed');
    f.observe(aDivergence(), COMMIT, at(3600));
    expect(f.state).toBe('open');
    expect(code(() => aFinding().suppress(' ', null, 'x', T0))).toBe('validation_failed');
    expect(code(() => aFinding().suppress('past', at(-1), 'x', T0))).toBe('validation_failed');
    expect(code(() => aRemediatingFinding().suppress('no', null, 'x', T0))).toBe('invalid_state_transition');
  });

  it('carries the attempts of a recently resolved finding of its fingerprint into the loop guard', () => {
    const f = RuntimeDriftFinding.detect({ id: 'f', tenantId: 't', projectId: 'p', environmentId: ENV, fingerprint: 'fp', desiredRevision: COMMIT, divergence: aDivergence(), earlierAttempts: [{ requestedAt: T0.toISOString(), endedAt: at(30).toISOString() }] }, at(60));
    expect(f.attemptTimes).toEqual([{ requestedAt: T0, endedAt: at(30) }]);
  });
});
