import { ActualService, ServiceSignals, compare, fingerprintOf } from './reconciliation';
import { ENV, T0, aDesiredService, at } from './drift.mother';

const running = (name: string, over: Partial<ActualService> = {}): ActualService => ({ name, image: `registry.example.com/acme/${name}:1.0.0`, replicas: 3, readyReplicas: 3, configChecksum: null, observedAt: T0, ...over });
const opts = { unhealthyAfterSeconds: 300 };
const none = new Map<string, ServiceSignals>();
const kinds = (r: ReturnType<typeof compare>) => r.divergences.map((d) => `${d.service}:${d.kind}`);

describe('comparing the desired state with what runs', () => {
  it('finds nothing when what runs is what Git declares', () => {
    const r = compare([aDesiredService('checkout'), aDesiredService('cart')], [running('checkout'), running('cart')], none, T0, opts);
    expect(r).toEqual({ divergences: [], explained: [], skipped: [] });
  });

  it('finds a missing service, with the desired image as its value', () => {
    const r = compare([aDesiredService('checkout')], [], none, T0, opts);
    expect(r.divergences).toEqual([expect.objectContaining({ service: 'checkout', kind: 'missing-service', desired: 'registry.example.com/acme/checkout:1.0.0', actual: null })]);
  });

  it('does not miss a service Git scales to zero', () => {
    expect(compare([aDesiredService('checkout', { replicas: 0 })], [], none, T0, opts).divergences).toEqual([]);
  });

  it('finds an unexpected service Git does not declare', () => {
    const r = compare([], [running('debug-shell', { image: 'busybox:1.36' })], none, T0, opts);
    expect(r.divergences).toEqual([expect.objectContaining({ service: 'debug-shell', kind: 'unexpected-service', desired: null, actual: 'busybox:1.36' })]);
  });

  it('finds an image, a replica and a config mismatch of one service, each on its own', () => {
    const desired = aDesiredService('checkout', { image: 'registry.example.com/acme/checkout:2.0.0', replicas: 4, configChecksum: 'c'.repeat(64) });
    const r = compare([desired], [running('checkout', { configChecksum: 'd'.repeat(64) })], none, T0, opts);
    expect(kinds(r)).toEqual(['checkout:image-mismatch', 'checkout:config-mismatch', 'checkout:replica-mismatch']);
    expect(r.divergences[2]).toMatchObject({ desired: 4, actual: 3 });
  });

  it('does not compare the configuration when Git pins no checksum', () => {
    expect(compare([aDesiredService('checkout')], [running('checkout', { configChecksum: 'd'.repeat(64) })], none, T0, opts).divergences).toEqual([]);
  });

  it('takes a replica count a scaling decision within the policy bounds asked for as explained, not drift', () => {
    const signals = new Map<string, ServiceSignals>([['checkout', { scalingPolicy: { minReplicas: 2, maxReplicas: 10 }, scalingDecision: { decisionId: 'd-1', desiredReplicas: 6, at: T0 } }]]);
    const r = compare([aDesiredService('checkout')], [running('checkout', { replicas: 6 })], signals, T0, opts);
    expect(r.divergences).toEqual([]);
    expect(r.explained).toEqual([expect.objectContaining({ kind: 'replica-mismatch', desired: 3, actual: 6 })]);
    expect(r.explained[0].evidence).toContainEqual(expect.objectContaining({ signal: 'scaling-decision', says: 'explains', detail: 'scaling decision d-1 asked for 6 replicas' }));
  });

  it('keeps a replica count drift when the decision asked for another count, or the count is outside the bounds, with what contradicts it', () => {
    const other = new Map<string, ServiceSignals>([['checkout', { scalingPolicy: { minReplicas: 2, maxReplicas: 10 }, scalingDecision: { decisionId: 'd-1', desiredReplicas: 5, at: T0 } }]]);
    const r1 = compare([aDesiredService('checkout')], [running('checkout', { replicas: 6 })], other, T0, opts);
    expect(kinds(r1)).toEqual(['checkout:replica-mismatch']);
    expect(r1.divergences[0].evidence).toContainEqual(expect.objectContaining({ signal: 'scaling-decision', says: 'contradicts' }));
    const outside = new Map<string, ServiceSignals>([['checkout', { scalingPolicy: { minReplicas: 2, maxReplicas: 5 }, scalingDecision: { decisionId: 'd-2', desiredReplicas: 6, at: T0 } }]]);
    const r2 = compare([aDesiredService('checkout')], [running('checkout', { replicas: 6 })], outside, T0, opts);
    expect(kinds(r2)).toEqual(['checkout:replica-mismatch']);
    expect(r2.divergences[0].evidence).toContainEqual(expect.objectContaining({ signal: 'scaling-policy', says: 'contradicts', detail: 'the scaling policy allows 2 to 5 replicas' }));
    const r3 = compare([aDesiredService('checkout')], [running('checkout', { replicas: 6 })], none, T0, opts);
    expect(r3.divergences[0].evidence).toContainEqual(expect.objectContaining({ signal: 'scaling-policy', says: 'contradicts' }));
  });

  it('finds a service unhealthy for longer than the threshold, not one that just turned unhealthy', () => {
    const signals = (since: Date) => new Map<string, ServiceSignals>([['checkout', { health: { status: 'unhealthy', since, reason: '3 failed checks' } }]]);
    expect(kinds(compare([aDesiredService('checkout')], [running('checkout')], signals(at(-301)), T0, opts))).toEqual(['checkout:persistently-unhealthy']);
    expect(compare([aDesiredService('checkout')], [running('checkout')], signals(at(-60)), T0, opts).divergences).toEqual([]);
  });

  it('does not judge a service while its rollout is unfinished', () => {
    const signals = new Map<string, ServiceSignals>([['checkout', { rollout: { deploymentId: 'dep-1', state: 'progressing' } }]]);
    const r = compare([aDesiredService('checkout', { image: 'registry.example.com/acme/checkout:2.0.0' })], [running('checkout')], signals, T0, opts);
    expect(r.divergences).toEqual([]);
    expect(r.skipped).toEqual([{ service: 'checkout', reason: 'deployment dep-1 is progressing' }]);
  });

  it('fingerprints by environment, service, kind and desired value only', () => {
    const base = { service: 'checkout', kind: 'image-mismatch' as const, desired: 'a:1' };
    expect(fingerprintOf(ENV, base)).toBe(fingerprintOf(ENV, { ...base }));
    expect(fingerprintOf(ENV, base)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(ENV, { ...base, desired: 'a:2' })).not.toBe(fingerprintOf(ENV, base));
    expect(fingerprintOf(ENV, { ...base, kind: 'missing-service' })).not.toBe(fingerprintOf(ENV, base));
    expect(fingerprintOf('22222222-2222-4222-8222-222222222222', base)).not.toBe(fingerprintOf(ENV, base));
    expect(fingerprintOf(ENV, { service: 'checkout', kind: 'replica-mismatch', desired: 3 })).not.toBe(fingerprintOf(ENV, { service: 'checkout', kind: 'replica-mismatch', desired: '3' }));
  });
});
