import { DomainError } from '@rcp/ddd';

export type ScalingMetric = 'cpu' | 'rps' | 'p95LatencyMs' | 'errorRate';
export const SCALING_METRICS: readonly ScalingMetric[] = ['cpu', 'rps', 'p95LatencyMs', 'errorRate'];

/** One direction's behaviour (as the Kubernetes HPA's `behavior.scaleUp` / `scaleDown`). */
export interface DirectionBehaviour {
  stabilizationSeconds: number;
  /** Most replicas one decision may add (or remove); null = no limit. */
  maxStep: number | null;
}

export interface ScalingPolicyProps {
  minReplicas: number;
  maxReplicas: number;
  /** Desired value per replica-load metric: cpu %, requests/s per replica, p95 latency (ms), error rate (0–1). */
  targets: Array<{ metric: ScalingMetric; value: number }>;
  scaleUp: DirectionBehaviour;
  scaleDown: DirectionBehaviour;
  /** A change within this fraction of the target scales nothing (the HPA's 10 %). */
  tolerance: number;
  /** Scale an unhealthy service up beyond its current replicas (default: no; more replicas of a broken revision rarely help). */
  scaleUpWhenUnhealthy: boolean;
}

/** The Kubernetes HPA's defaults where the policy leaves a value unset. */
export const HPA_DEFAULTS = { scaleUpStabilizationSeconds: 0, scaleDownStabilizationSeconds: 300, tolerance: 0.1 };
export const MAX_REPLICAS_LIMIT = 1000;

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });

/** Checks a policy's rules: bounds, one target per metric, positive targets, steps and windows. */
export function validatePolicy(p: ScalingPolicyProps): ScalingPolicyProps {
  if (!Number.isInteger(p.minReplicas) || p.minReplicas < 0) throw invalid('minReplicas', 'minReplicas must be an integer ≥ 0');
  if (!Number.isInteger(p.maxReplicas) || p.maxReplicas < 1 || p.maxReplicas > MAX_REPLICAS_LIMIT) throw invalid('maxReplicas', `maxReplicas must be an integer between 1 and ${MAX_REPLICAS_LIMIT}`);
  if (p.minReplicas > p.maxReplicas) throw invalid('minReplicas', `minReplicas (${p.minReplicas}) is above maxReplicas (${p.maxReplicas})`);
  if (p.targets.length === 0) throw invalid('targets', 'at least one target is needed');
  const seen = new Set<string>();
  p.targets.forEach((t, i) => {
    if (!SCALING_METRICS.includes(t.metric)) throw invalid(`targets.${i}.metric`, `metric must be one of ${SCALING_METRICS.join(', ')}`);
    if (seen.has(t.metric)) throw invalid(`targets.${i}.metric`, `${t.metric} has two targets`);
    seen.add(t.metric);
    if (!(typeof t.value === 'number' && Number.isFinite(t.value) && t.value > 0)) throw invalid(`targets.${i}.value`, `the ${t.metric} target must be a number above 0`);
    if (t.metric === 'errorRate' && t.value > 1) throw invalid(`targets.${i}.value`, 'an errorRate target is a fraction, at most 1');
  });
  for (const [name, b] of [['scaleUp', p.scaleUp], ['scaleDown', p.scaleDown]] as const) {
    if (!Number.isInteger(b.stabilizationSeconds) || b.stabilizationSeconds < 0 || b.stabilizationSeconds > 3600) throw invalid(`${name}.stabilizationSeconds`, 'stabilizationSeconds must be an integer between 0 and 3600');
    if (b.maxStep !== null && (!Number.isInteger(b.maxStep) || b.maxStep < 1)) throw invalid(`${name}.maxStep`, 'maxStep must be an integer ≥ 1');
  }
  if (!(p.tolerance >= 0 && p.tolerance < 1)) throw invalid('tolerance', 'tolerance must be at least 0 and below 1');
  return p;
}

export type Observed = Partial<Record<ScalingMetric, number>>;

/** One past recommendation (the replicas the formula asked for at a time), kept for the stabilization windows. */
export interface Recommendation {
  at: Date;
  replicas: number;
}

export interface ScalingInput {
  policy: ScalingPolicyProps;
  currentReplicas: number;
  observed: Observed;
  /** Recommendations within the longer window, oldest first. */
  history: Recommendation[];
  health: 'unknown' | 'healthy' | 'degraded' | 'unhealthy';
  /** The tenant's quota and what its other services run now. */
  quota: { maxReplicasPerService: number; maxTotalReplicas: number; otherServicesReplicas: number } | null;
  now: Date;
}

export interface ScalingOutcome {
  /** What the formula asked for before windows, steps and caps (kept for the windows). */
  recommended: number;
  desired: number;
  reasons: string[];
  /** `maxReplicasPerService`, `maxTotalReplicas`, `maxReplicas`, `minReplicas`, … when a bound held the desired count back. */
  cappedBy: string | null;
}

/**
 * The Kubernetes HPA's algorithm, for one service: per target `desired = ceil(current × observed /
 * target)` (a ratio within the tolerance asks for no change), the most demanding target wins; then the
 * policy's bounds; then the stabilization windows (scaling up to the lowest recommendation of the up
 * window, down to the highest of the down window); then the step limits; then the tenant's quotas; and
 * an unhealthy service is not scaled up unless the policy allows it. `reasons` says each step that
 * mattered, for the decision's record.
 */
export function decideReplicas(input: ScalingInput): ScalingOutcome {
  const { policy, currentReplicas: current, observed, now } = input;
  const reasons: string[] = [];
  let cappedBy: string | null = null;
  if (current === 0) return { recommended: 0, desired: 0, reasons: ['the service runs no replicas: scaled to zero, autoscaling holds'], cappedBy: null };

  // 1. The formula, per target; the most demanding one wins.
  let recommended = current;
  let driver: string | null = null;
  for (const target of policy.targets) {
    const value = observed[target.metric];
    if (value === undefined || !Number.isFinite(value)) continue;
    const ratio = value / target.value;
    const proposal = Math.abs(ratio - 1) <= policy.tolerance ? current : Math.ceil(current * ratio);
    if (driver === null || proposal > recommended) {
      recommended = proposal;
      driver = `${target.metric} ${round(value)} vs target ${target.value} (ratio ${round(ratio)}${Math.abs(ratio - 1) <= policy.tolerance ? `, within the ${Math.round(policy.tolerance * 100)} % tolerance` : ''})`;
    }
  }
  if (driver === null) return { recommended: current, desired: current, reasons: ['no metric of the policy\'s targets was observed'], cappedBy: null };
  reasons.push(`${driver}: ${recommended} replicas`);

  // 2. The policy's bounds.
  if (recommended > policy.maxReplicas) {
    reasons.push(`held at maxReplicas ${policy.maxReplicas}`);
    recommended = policy.maxReplicas;
    cappedBy = 'maxReplicas';
  } else if (recommended < policy.minReplicas) {
    reasons.push(`held at minReplicas ${policy.minReplicas}`);
    recommended = policy.minReplicas;
    cappedBy = 'minReplicas';
  }

  // 3. Stabilization windows over the recommendations (the current one included).
  const within = (seconds: number) => [...input.history.filter((r) => now.getTime() - r.at.getTime() < seconds * 1000).map((r) => r.replicas), recommended];
  const upRecommendation = Math.min(...within(policy.scaleUp.stabilizationSeconds));
  const downRecommendation = Math.max(...within(policy.scaleDown.stabilizationSeconds));
  let desired = current;
  if (desired < upRecommendation) desired = upRecommendation;
  if (desired > downRecommendation) desired = downRecommendation;
  if (desired !== recommended) {
    reasons.push(
      recommended < current
        ? `scale-down stabilization (${policy.scaleDown.stabilizationSeconds} s): the highest recommendation in the window is ${downRecommendation}`
        : `scale-up stabilization (${policy.scaleUp.stabilizationSeconds} s): the lowest recommendation in the window is ${upRecommendation}`,
    );
  }

  // 4. Step limits per decision.
  if (desired > current && policy.scaleUp.maxStep !== null && desired - current > policy.scaleUp.maxStep) {
    desired = current + policy.scaleUp.maxStep;
    reasons.push(`scale-up step limited to ${policy.scaleUp.maxStep}`);
  }
  if (desired < current && policy.scaleDown.maxStep !== null && current - desired > policy.scaleDown.maxStep) {
    desired = current - policy.scaleDown.maxStep;
    reasons.push(`scale-down step limited to ${policy.scaleDown.maxStep}`);
  }

  // 5. Health: more replicas of an unhealthy service rarely help.
  if (desired > current && input.health === 'unhealthy' && !policy.scaleUpWhenUnhealthy) {
    reasons.push('the service is unhealthy: not scaled up (scaleUpWhenUnhealthy is false)');
    desired = current;
    cappedBy = 'health';
  }

  // 6. The tenant's quotas.
  if (input.quota && desired > current) {
    const { maxReplicasPerService, maxTotalReplicas, otherServicesReplicas } = input.quota;
    if (desired > maxReplicasPerService) {
      desired = Math.max(current, maxReplicasPerService);
      cappedBy = 'maxReplicasPerService';
      reasons.push(`capped by the tenant's quota maxReplicasPerService (${maxReplicasPerService})`);
    }
    const room = maxTotalReplicas - otherServicesReplicas;
    if (desired > room) {
      desired = Math.max(current, room);
      cappedBy = 'maxTotalReplicas';
      reasons.push(`capped by the tenant's quota maxTotalReplicas (${maxTotalReplicas}; other services run ${otherServicesReplicas})`);
    }
  }
  if (desired === current && reasons.length === 1) reasons.push('no change');
  return { recommended, desired, reasons, cappedBy };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
