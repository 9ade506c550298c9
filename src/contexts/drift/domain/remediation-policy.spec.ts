import { DEFAULT_POLICY, KnownRelease, LoopGuard, RemediationPolicyProps, autoRemediationVerdict, inWindow, nextWindowOpening, planRemediation, validatePolicy } from './remediation-policy';
import { T0, at } from './drift.mother';

const auto: RemediationPolicyProps = { ...DEFAULT_POLICY, mode: 'auto' };
const guard: LoopGuard = { maxAttempts: 3, windowSeconds: 3600, backoffSeconds: 60 };
const desired = { image: 'app:2', configChecksum: null, replicas: 3 };
const releases: KnownRelease[] = [
  { revision: 3, image: 'app:3', configChecksum: 'c3' },
  { revision: 2, image: 'app:2', configChecksum: 'c2' },
];

describe('the remediation policy', () => {
  it('chooses reapply when Git declares the release that last succeeded (someone changed what runs by hand)', () => {
    expect(planRemediation('replica-mismatch', { ...desired, image: 'app:3' }, releases)).toEqual({ action: 'reapply', toRevision: 3 });
  });

  it('chooses rollback when Git declares an earlier succeeded release (a revert)', () => {
    expect(planRemediation('image-mismatch', desired, releases)).toEqual({ action: 'rollback', toRevision: 2 });
  });

  it('chooses redeploy when Git declares an image never released here, and honours a pinned checksum', () => {
    expect(planRemediation('image-mismatch', { ...desired, image: 'app:4' }, releases)).toEqual({ action: 'redeploy', toRevision: null });
    expect(planRemediation('image-mismatch', { ...desired, configChecksum: 'other' }, releases)).toEqual({ action: 'redeploy', toRevision: null });
  });

  it('has no corrective deployment for an unexpected service, nor for a service Git scales to zero', () => {
    expect(planRemediation('unexpected-service', null, releases)).toMatchObject({ action: null, reason: expect.stringContaining('removes a service') });
    expect(planRemediation('missing-service', { ...desired, replicas: 0 }, releases)).toMatchObject({ action: null });
  });

  it('rolls a persistently unhealthy service back to the release before the current one', () => {
    expect(planRemediation('persistently-unhealthy', desired, releases)).toEqual({ action: 'rollback', toRevision: 2 });
    expect(planRemediation('persistently-unhealthy', desired, releases.slice(0, 1))).toMatchObject({ action: null });
  });

  it('lets auto-remediation act only in auto mode, on an allowed action', () => {
    const plan = { action: 'redeploy' as const, toRevision: null };
    expect(autoRemediationVerdict(DEFAULT_POLICY, plan, [], guard, T0)).toEqual({ act: false, reason: 'remediation policy is manual: remediate it or suppress it' });
    expect(autoRemediationVerdict({ ...auto, allow: ['reapply'] }, plan, [], guard, T0)).toEqual({ act: false, reason: 'the remediation policy does not allow redeploy' });
    expect(autoRemediationVerdict(auto, plan, [], guard, T0)).toEqual({ act: true });
  });

  it('backs off after a remediation that did not hold, doubling, and leaves the divergence for a person after the third within the window', () => {
    const plan = { action: 'redeploy' as const, toRevision: null };
    const one = [{ requestedAt: at(0), endedAt: at(30) }];
    expect(autoRemediationVerdict(auto, plan, one, guard, at(60))).toMatchObject({ act: false, reason: expect.stringContaining(`next automatic attempt at ${at(90).toISOString()}`) });
    expect(autoRemediationVerdict(auto, plan, one, guard, at(90))).toEqual({ act: true });
    const two = [...one, { requestedAt: at(100), endedAt: at(130) }];
    expect(autoRemediationVerdict(auto, plan, two, guard, at(200))).toMatchObject({ act: false, reason: expect.stringContaining(at(250).toISOString()) });
    const three = [...two, { requestedAt: at(300), endedAt: at(330) }];
    expect(autoRemediationVerdict(auto, plan, three, guard, at(400))).toMatchObject({ act: false, reason: expect.stringContaining('left for a person') });
    // Attempts older than the window no longer count.
    expect(autoRemediationVerdict(auto, plan, three, guard, at(3600 + 301))).toEqual({ act: true });
  });

  it('waits outside its windows and names the next opening', () => {
    // T0 is a Tuesday, 10:00 UTC.
    const windows = [{ days: ['tue' as const], start: '22:00', end: '02:00' }];
    const policy = validatePolicy({ ...auto, windows });
    expect(inWindow(windows, T0)).toBe(false);
    expect(inWindow(windows, new Date('2026-12-01T23:30:00Z'))).toBe(true);
    expect(inWindow(windows, new Date('2026-12-02T01:59:00Z'))).toBe(true);
    expect(inWindow(windows, new Date('2026-12-02T02:00:00Z'))).toBe(false);
    expect(nextWindowOpening(windows, T0)).toEqual(new Date('2026-12-01T22:00:00Z'));
    expect(autoRemediationVerdict(policy, { action: 'reapply', toRevision: 1 }, [], guard, T0)).toEqual({ act: false, reason: 'outside the remediation windows: the next window opens at 2026-12-01T22:00:00.000Z' });
  });

  it('refuses a malformed policy, naming the field', () => {
    expect(() => validatePolicy({ ...auto, allow: ['delete' as never] })).toThrow(/allow/);
    expect(() => validatePolicy({ ...auto, windows: [{ days: ['tue'], start: '25:00', end: '02:00' }] })).toThrow(/windows\[0\]\.start/);
    expect(() => validatePolicy({ ...auto, windows: [{ days: [], start: '20:00', end: '02:00' }] })).toThrow(/windows\[0\]\.days/);
    expect(() => validatePolicy({ ...auto, reconcileIntervalSeconds: 5 })).toThrow(/reconcileIntervalSeconds/);
  });
});
