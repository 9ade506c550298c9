import { DomainError } from '@rcp/ddd';
import { decideReplicas, HPA_DEFAULTS, Recommendation, ScalingInput, ScalingPolicyProps, validatePolicy } from './scaling';

const T0 = new Date('2026-12-03T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const policy = (p: Partial<ScalingPolicyProps> = {}): ScalingPolicyProps => ({
  minReplicas: 1,
  maxReplicas: 20,
  targets: [{ metric: 'cpu', value: 50 }],
  scaleUp: { stabilizationSeconds: HPA_DEFAULTS.scaleUpStabilizationSeconds, maxStep: null },
  scaleDown: { stabilizationSeconds: 0, maxStep: null },
  tolerance: HPA_DEFAULTS.tolerance,
  scaleUpWhenUnhealthy: false,
  ...p,
});
const decide = (i: Partial<ScalingInput> & { observed: ScalingInput['observed'] }) =>
  decideReplicas({ policy: policy(), currentReplicas: 4, history: [], health: 'healthy', quota: null, now: at(0), ...i });

describe('the scaling formula (Kubernetes HPA)', () => {
  it.each([
    // The HPA documentation: 200m against a 100m target doubles, 50m halves, within 10 % does nothing.
    ['doubles at twice the target', policy({ targets: [{ metric: 'cpu', value: 100 }] }), 4, { cpu: 200 }, 8],
    ['halves at half the target', policy({ targets: [{ metric: 'cpu', value: 100 }] }), 4, { cpu: 50 }, 2],
    ['ignores a ratio within the tolerance (1.05)', policy({ targets: [{ metric: 'cpu', value: 100 }] }), 4, { cpu: 105 }, 4],
    ['ignores a ratio at the tolerance (0.9)', policy({ targets: [{ metric: 'cpu', value: 100 }] }), 4, { cpu: 90 }, 4],
    ['rounds up: php-apache walkthrough, 1 replica at 305 % of a 50 % target → 7', policy(), 1, { cpu: 305 }, 7],
    ['takes the most demanding target', policy({ targets: [{ metric: 'cpu', value: 50 }, { metric: 'rps', value: 100 }] }), 4, { cpu: 40, rps: 300 }, 12],
    ['scales on p95 latency', policy({ targets: [{ metric: 'p95LatencyMs', value: 200 }] }), 3, { p95LatencyMs: 400 }, 6],
    ['scales on error rate', policy({ targets: [{ metric: 'errorRate', value: 0.01 }] }), 2, { errorRate: 0.03 }, 6],
    ['holds at maxReplicas', policy({ maxReplicas: 6 }), 4, { cpu: 100 }, 6],
    ['holds at minReplicas', policy({ minReplicas: 3 }), 4, { cpu: 10 }, 3],
    ['does nothing without an observed target metric', policy(), 4, { rps: 1000 }, 4],
  ])('%s', (_name, p, current, observed, desired) => {
    expect(decide({ policy: p, currentReplicas: current, observed }).desired).toBe(desired);
  });

  it('scales down only to the highest recommendation of the down window (HPA default 300 s)', () => {
    const p = policy({ scaleDown: { stabilizationSeconds: 300, maxStep: null } });
    const history: Recommendation[] = [{ at: at(-250), replicas: 8 }, { at: at(-100), replicas: 6 }, { at: at(-400), replicas: 10 }];
    const out = decide({ policy: p, currentReplicas: 8, observed: { cpu: 25 }, history });
    expect(out.recommended).toBe(4);
    expect(out.desired).toBe(8);
    expect(out.reasons.join(' ')).toContain('scale-down stabilization (300 s)');
    const later = decide({ policy: p, currentReplicas: 8, observed: { cpu: 25 }, history: [{ at: at(-100), replicas: 6 }] });
    expect(later.desired).toBe(6);
  });

  it('scales up at once by default, and only to the lowest recommendation of an up window', () => {
    expect(decide({ currentReplicas: 2, observed: { cpu: 100 }, history: [{ at: at(-10), replicas: 2 }] }).desired).toBe(4);
    const windowed = policy({ scaleUp: { stabilizationSeconds: 60, maxStep: null } });
    expect(decide({ policy: windowed, currentReplicas: 2, observed: { cpu: 100 }, history: [{ at: at(-30), replicas: 3 }] }).desired).toBe(3);
  });

  it('limits each decision to maxStep in its direction', () => {
    expect(decide({ policy: policy({ scaleUp: { stabilizationSeconds: 0, maxStep: 2 } }), currentReplicas: 2, observed: { cpu: 250 } }).desired).toBe(4);
    expect(decide({ policy: policy({ scaleDown: { stabilizationSeconds: 0, maxStep: 1 } }), currentReplicas: 8, observed: { cpu: 10 } }).desired).toBe(7);
  });

  it('caps by the tenant\'s quotas, and says so', () => {
    const perService = decide({ currentReplicas: 4, observed: { cpu: 200 }, quota: { maxReplicasPerService: 10, maxTotalReplicas: 100, otherServicesReplicas: 0 } });
    expect(perService).toMatchObject({ recommended: 16, desired: 10, cappedBy: 'maxReplicasPerService' });
    expect(perService.reasons).toContain("capped by the tenant's quota maxReplicasPerService (10)");
    const total = decide({ currentReplicas: 4, observed: { cpu: 200 }, quota: { maxReplicasPerService: 50, maxTotalReplicas: 20, otherServicesReplicas: 14 } });
    expect(total).toMatchObject({ desired: 6, cappedBy: 'maxTotalReplicas' });
    const full = decide({ currentReplicas: 4, observed: { cpu: 200 }, quota: { maxReplicasPerService: 50, maxTotalReplicas: 10, otherServicesReplicas: 8 } });
    expect(full.desired).toBe(4);
  });

  it('does not scale an unhealthy service up unless the policy allows it; scaling down is allowed', () => {
    expect(decide({ currentReplicas: 2, observed: { cpu: 200 }, health: 'unhealthy' })).toMatchObject({ desired: 2, cappedBy: 'health' });
    expect(decide({ policy: policy({ scaleUpWhenUnhealthy: true }), currentReplicas: 2, observed: { cpu: 200 }, health: 'unhealthy' }).desired).toBe(8);
    expect(decide({ currentReplicas: 8, observed: { cpu: 10 }, health: 'unhealthy' }).desired).toBe(2);
  });

  it('leaves a service scaled to zero alone', () => {
    expect(decide({ currentReplicas: 0, observed: { cpu: 500 } }).desired).toBe(0);
  });
});

describe('scaling policy rules', () => {
  const refused = (p: Partial<ScalingPolicyProps>) => {
    try {
      validatePolicy(policy(p));
    } catch (e) {
      return (e as DomainError).message;
    }
    return 'accepted';
  };
  it.each([
    [{ minReplicas: 5, maxReplicas: 3 }, 'minReplicas (5) is above maxReplicas (3)'],
    [{ targets: [{ metric: 'cpu' as const, value: 0 }] }, 'the cpu target must be a number above 0'],
    [{ targets: [{ metric: 'rps' as const, value: -1 }] }, 'the rps target must be a number above 0'],
    [{ targets: [{ metric: 'memory' as never, value: 1 }] }, 'metric must be one of cpu, rps, p95LatencyMs, errorRate'],
    [{ targets: [] }, 'at least one target is needed'],
    [{ targets: [{ metric: 'cpu' as const, value: 50 }, { metric: 'cpu' as const, value: 60 }] }, 'cpu has two targets'],
    [{ targets: [{ metric: 'errorRate' as const, value: 5 }] }, 'an errorRate target is a fraction, at most 1'],
    [{ scaleUp: { stabilizationSeconds: -1, maxStep: null } }, 'stabilizationSeconds must be an integer between 0 and 3600'],
    [{ scaleDown: { stabilizationSeconds: 0, maxStep: 0 } }, 'maxStep must be an integer ≥ 1'],
  ])('refuses %j', (p, message) => {
    expect(refused(p)).toBe(message);
  });
});
