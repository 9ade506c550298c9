import { DomainError } from '@rcp/ddd';

/** What a new revision must show before a rollout goes on (API.md `healthGate`). */
export interface HealthGate {
  /** Healthy without a break for this long. */
  minHealthySeconds: number;
  /** Highest error rate (a fraction), or null to not judge it. */
  maxErrorRate: number | null;
  /** Highest p95 latency, or null to not judge it. */
  maxP95LatencyMs: number | null;
  /** An evaluation still inconclusive this long after its step started fails. */
  timeoutSeconds: number;
}

export const DEFAULT_HEALTH_GATE: HealthGate = { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: null, timeoutSeconds: 300 };
/** Metric reports a judgement of the error rate or the latency needs; fewer is inconclusive. */
export const MIN_METRIC_SAMPLES = 3;

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });

const GATE_KEYS = ['minHealthySeconds', 'maxErrorRate', 'maxP95LatencyMs', 'timeoutSeconds'];

export function validateHealthGate(g: HealthGate): HealthGate {
  if (typeof g !== 'object' || g === null) throw invalid('healthGate', 'healthGate must be an object');
  const unknown = Object.keys(g).find((k) => !GATE_KEYS.includes(k));
  if (unknown) throw invalid(`healthGate.${unknown}`, `a health gate has no field ${unknown}`);
  if (!Number.isInteger(g.minHealthySeconds) || g.minHealthySeconds < 0 || g.minHealthySeconds > 86_400) throw invalid('healthGate.minHealthySeconds', 'minHealthySeconds must be an integer from 0 to 86400');
  if (!Number.isInteger(g.timeoutSeconds) || g.timeoutSeconds < 1 || g.timeoutSeconds > 86_400) throw invalid('healthGate.timeoutSeconds', 'timeoutSeconds must be an integer from 1 to 86400');
  if (g.timeoutSeconds < g.minHealthySeconds) throw invalid('healthGate.timeoutSeconds', `timeoutSeconds (${g.timeoutSeconds}) is shorter than minHealthySeconds (${g.minHealthySeconds}): the gate could never pass`);
  if (g.maxErrorRate !== null && !(typeof g.maxErrorRate === 'number' && g.maxErrorRate >= 0 && g.maxErrorRate <= 1)) throw invalid('healthGate.maxErrorRate', 'maxErrorRate is a fraction from 0 to 1');
  if (g.maxP95LatencyMs !== null && !(typeof g.maxP95LatencyMs === 'number' && Number.isFinite(g.maxP95LatencyMs) && g.maxP95LatencyMs > 0)) throw invalid('healthGate.maxP95LatencyMs', 'maxP95LatencyMs must be above 0');
  return g;
}

export type GateHealthStatus = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

/**
 * What the deployment context knows of the new revision when it judges the gate, from the health
 * context's events: its health (null: no health source has ever reported the service) and the metric
 * reports since the step started.
 */
export interface GateObservation {
  health: { status: GateHealthStatus; since: Date } | null;
  metrics: { samples: number; errorRate: number | null; p95LatencyMs: number | null };
}

export type GateOutcome = 'pass' | 'fail' | 'inconclusive';

/** One judgement, stored with the numbers it judged so that a pass or a failure can be explained. */
export interface GateEvaluation {
  at: Date;
  outcome: GateOutcome;
  reasons: string[];
  inputs: {
    health: GateHealthStatus | 'no source';
    healthySeconds: number;
    samples: number;
    errorRate: number | null;
    p95LatencyMs: number | null;
    elapsedSeconds: number;
  };
}

/**
 * Judges the gate: `fail` on a definite breach (unhealthy, error rate or latency above the limit on
 * enough samples), and also when nothing can be judged at all (no health source reports the service by
 * the timeout: fail closed, never pass by default); `pass` only when every criterion is met on enough data; otherwise
 * `inconclusive` with what is missing, which becomes `fail` once `timeoutSeconds` have passed since the
 * step started.
 */
export function evaluateGate(gate: HealthGate, obs: GateObservation, stepStartedAt: Date, now: Date): GateEvaluation {
  const elapsedSeconds = Math.max(0, Math.floor((now.getTime() - stepStartedAt.getTime()) / 1000));
  const status: GateHealthStatus | 'no source' = obs.health?.status ?? 'no source';
  const healthySeconds = obs.health?.status === 'healthy' ? Math.max(0, Math.floor((now.getTime() - Math.max(obs.health.since.getTime(), stepStartedAt.getTime())) / 1000)) : 0;
  const inputs = { health: status, healthySeconds, samples: obs.metrics.samples, errorRate: obs.metrics.errorRate, p95LatencyMs: obs.metrics.p95LatencyMs, elapsedSeconds };
  const judged = (outcome: GateOutcome, reasons: string[]): GateEvaluation => ({ at: now, outcome, reasons, inputs });

  if (!obs.health) {
    // Nothing judges the service: never a pass by default. It may be the first report not in yet, so it
    // waits for the timeout, and then fails closed.
    if (elapsedSeconds >= gate.timeoutSeconds) return judged('fail', [`no health source reported this service within ${gate.timeoutSeconds} s: the gate cannot be evaluated, so it fails closed`]);
    return judged('inconclusive', ['no health source has reported this service yet']);
  }
  const breaches: string[] = [];
  if (obs.health.status === 'unhealthy') breaches.push(`unhealthy since ${obs.health.since.toISOString()}`);
  const enough = obs.metrics.samples >= MIN_METRIC_SAMPLES;
  if (enough && gate.maxErrorRate !== null && obs.metrics.errorRate !== null && obs.metrics.errorRate > gate.maxErrorRate) {
    breaches.push(`error rate ${obs.metrics.errorRate} above ${gate.maxErrorRate} over ${obs.metrics.samples} reports`);
  }
  if (enough && gate.maxP95LatencyMs !== null && obs.metrics.p95LatencyMs !== null && obs.metrics.p95LatencyMs > gate.maxP95LatencyMs) {
    breaches.push(`p95 latency ${obs.metrics.p95LatencyMs} ms above ${gate.maxP95LatencyMs} ms over ${obs.metrics.samples} reports`);
  }
  if (breaches.length) return judged('fail', breaches);

  const missing: string[] = [];
  if (obs.health.status !== 'healthy') missing.push(`${obs.health.status}, not healthy`);
  else if (healthySeconds < gate.minHealthySeconds) missing.push(`healthy for ${healthySeconds} s of ${gate.minHealthySeconds} s`);
  const needsMetrics = gate.maxErrorRate !== null || gate.maxP95LatencyMs !== null;
  if (needsMetrics && !enough) missing.push(`${obs.metrics.samples} metric reports of ${MIN_METRIC_SAMPLES}`);
  if (needsMetrics && enough && gate.maxErrorRate !== null && obs.metrics.errorRate === null) missing.push('no error rate reported');
  if (needsMetrics && enough && gate.maxP95LatencyMs !== null && obs.metrics.p95LatencyMs === null) missing.push('no p95 latency reported');
  if (missing.length === 0) return judged('pass', [`healthy for ${healthySeconds} s${needsMetrics ? `, within limits over ${obs.metrics.samples} reports` : ''}`]);
  if (elapsedSeconds >= gate.timeoutSeconds) return judged('fail', [`still inconclusive after ${elapsedSeconds} s (timeoutSeconds ${gate.timeoutSeconds}): ${missing.join('; ')}`]);
  return judged('inconclusive', missing);
}
