import { DEFAULT_THRESHOLDS, HealthCheckResult } from './health-check-result.aggregate';
import { CheckStatus } from './health-status';
import { HPA_DEFAULTS, ScalingPolicyProps } from './scaling';
import { ScalingPolicy } from './scaling-policy.aggregate';

/** Object mothers of the health context (tests only). */
export const T0 = new Date('2026-12-03T10:00:00Z');
export const at = (s: number) => new Date(T0.getTime() + s * 1000);
const REF = { tenantId: 'acme', projectId: 'shop', environmentId: '0b6f8a9e-3c1d-4e2f-9a8b-7c6d5e4f3a2b', service: 'checkout' };

/** A result fed the given checks, one a second. */
export function aHealthResult(checks: CheckStatus[]): HealthCheckResult {
  const r = HealthCheckResult.start({ id: 'a0000000-0000-4000-8000-000000000001', ...REF, revision: null }, T0);
  checks.forEach((status, i) => r.take({ status, observedAt: at(i + 1), latencyMs: 10, errorRate: 0, source: 'agent' }, DEFAULT_THRESHOLDS, at(i + 1)));
  return r;
}

export const A_POLICY: ScalingPolicyProps = {
  minReplicas: 1,
  maxReplicas: 10,
  targets: [{ metric: 'cpu', value: 50 }],
  scaleUp: { stabilizationSeconds: HPA_DEFAULTS.scaleUpStabilizationSeconds, maxStep: null },
  scaleDown: { stabilizationSeconds: HPA_DEFAULTS.scaleDownStabilizationSeconds, maxStep: null },
  tolerance: HPA_DEFAULTS.tolerance,
  scaleUpWhenUnhealthy: false,
};

/** A policy that decided to scale 2 → 4 (cpu at twice its target), the decision `pending`. */
export function aPolicyWithPendingDecision(): { policy: ScalingPolicy; decisionId: string } {
  const policy = ScalingPolicy.create({ id: 'b0000000-0000-4000-8000-000000000002', ...REF }, A_POLICY, T0);
  const decisionId = 'c0000000-0000-4000-8000-000000000003';
  policy.decide(
    { observed: { cpu: 100 }, observedReplicas: 2, observedAt: T0, health: 'healthy', quota: null, deploying: false, decisionId, operationId: 'd0000000-0000-4000-8000-000000000004' },
    at(1),
  );
  return { policy, decisionId };
}
