import { DecisionContext, ScalingPolicy } from './scaling-policy.aggregate';
import { HPA_DEFAULTS, ScalingPolicyProps } from './scaling';

const T0 = new Date('2026-12-03T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const props: ScalingPolicyProps = {
  minReplicas: 1,
  maxReplicas: 10,
  targets: [{ metric: 'cpu', value: 50 }],
  scaleUp: { stabilizationSeconds: 0, maxStep: null },
  scaleDown: { stabilizationSeconds: HPA_DEFAULTS.scaleDownStabilizationSeconds, maxStep: null },
  tolerance: 0.1,
  scaleUpWhenUnhealthy: false,
};
const ref = { id: 'p-1', tenantId: 'acme', projectId: 'shop', environmentId: 'env-1', service: 'web' };
let n = 0;
const ctx = (p: Partial<DecisionContext> = {}): DecisionContext => ({
  observed: { cpu: 100 },
  observedReplicas: 2,
  observedAt: T0,
  health: 'healthy',
  quota: null,
  deploying: false,
  decisionId: `d-${++n}`,
  operationId: `op-${n}`,
  ...p,
});

describe('ScalingPolicy', () => {
  it('records the policy, then a pending decision that holds the next until it completes', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    expect(p.pullEvents().map((e) => e.name)).toEqual(['ScalingPolicySet']);
    const first = p.decide(ctx(), at(1));
    expect(first.decision).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, state: 'pending' });
    expect(p.decide(ctx(), at(2))).toMatchObject({ decision: null, reason: `decision ${first.decision!.id} is still being applied` });
    expect(p.complete(first.decision!.id, { succeeded: true }, at(3))).toBe(true);
    expect(p.complete(first.decision!.id, { succeeded: true }, at(4))).toBe(false);
    expect(p.pullEvents().map((e) => e.name)).toEqual(['ScalingDecisionMade', 'ScalingApplied']);
    // Until inventory observes the change, the policy's own count is the current one.
    expect(p.currentReplicas(2, T0)).toBe(4);
    expect(p.currentReplicas(3, at(10))).toBe(3);
  });

  it('records a failed scale, and makes a new decision after it', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    const d = p.decide(ctx(), at(1)).decision!;
    p.complete(d.id, { succeeded: false, reason: 'the executor refused' }, at(2));
    expect(p.takeTouchedDecisions()).toEqual([expect.objectContaining({ id: d.id, state: 'failed', failureReason: 'the executor refused' })]);
    expect(p.decide(ctx(), at(3)).decision).toMatchObject({ state: 'pending' });
  });

  it('holds while a deployment progresses, and before the replicas are known', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    expect(p.decide(ctx({ deploying: true }), at(1)).decision).toBeNull();
    expect(p.decide(ctx({ observedReplicas: null, observedAt: null }), at(1))).toMatchObject({ decision: null, reason: "the service's replicas have not been observed yet" });
  });

  it('records a decision held by a quota, with nothing to send', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    const held = p.decide(ctx({ quota: { maxReplicasPerService: 2, maxTotalReplicas: 100, otherServicesReplicas: 0 } }), at(1)).decision;
    expect(held).toMatchObject({ state: 'held', desiredReplicas: 2, cappedBy: 'maxReplicasPerService', operationId: null });
    expect(p.snapshot().pendingDecisionId).toBeNull();
  });

  it('makes no decision when nothing is to change, and scales down only as far as its window allows', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    expect(p.decide(ctx({ observed: { cpu: 50 } }), at(1)).decision).toBeNull();
    // 4 replicas at 10 % of a 50 % target ask for 1, but the down window still holds the 2 of a second ago.
    expect(p.decide(ctx({ observed: { cpu: 10 }, observedReplicas: 4 }), at(2)).decision).toMatchObject({ recommendedReplicas: 1, desiredReplicas: 2 });
    expect(p.snapshot().recommendations.map((r) => r.replicas)).toEqual([2, 1]);
  });

  it('changes the policy only when it differs', () => {
    const p = ScalingPolicy.create(ref, props, T0);
    p.pullEvents();
    expect(p.change(props, at(1))).toBe(false);
    const reordered = Object.fromEntries(Object.entries(props).reverse()) as typeof props;
    expect(p.change(reordered, at(1))).toBe(false);
    expect(p.change({ ...props, maxReplicas: 12 }, at(1))).toBe(true);
    expect(p.pullEvents().map((e) => e.name)).toEqual(['ScalingPolicySet']);
  });
});
