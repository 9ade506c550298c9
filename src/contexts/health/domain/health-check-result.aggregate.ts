import { AggregateRoot, DomainError } from '@rcp/ddd';
import { HealthEvent, ServiceHealthChanged } from './health.domain-events';

import { CheckStatus, HealthStatus } from './health-status';

export { CHECK_STATUSES, HEALTH_STATUSES } from './health-status';
export type { CheckStatus, HealthStatus } from './health-status';

/** Hysteresis: consecutive fails to turn unhealthy, consecutive passes to turn healthy again (Kubernetes probes' defaults are 3 and 1; ours 3 and 2). */
export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
  /** No report for this long makes the status `unknown`. */
  staleSeconds: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = { failureThreshold: 3, successThreshold: 2, staleSeconds: 90 };

/** One check as reported (by an agent) or read (from the data plane). */
export interface Check {
  status: CheckStatus;
  observedAt: Date;
  latencyMs: number | null;
  errorRate: number | null;
  source: 'agent' | 'data-plane';
}

export const MAX_LAST_CHECKS = 10;

export interface HealthCheckResultSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  /** The revision the checks are of; null for the service as a whole (agents' reports name no revision). */
  revision: string | null;
  status: HealthStatus;
  since: Date;
  reason: string;
  consecutiveFailures: number;
  consecutivePasses: number;
  lastChecks: Check[];
  lastReportAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The health of one service (or one revision of it) in an environment, judged with hysteresis from a
 * stream of checks: `failureThreshold` consecutive fails make it `unhealthy`, `successThreshold`
 * consecutive passes make it `healthy`, a `warn` makes it `degraded`, and no check for `staleSeconds`
 * makes it `unknown`. Only a change of status is an event: a steady stream of the same checks publishes
 * nothing. A check older than the last one taken is ignored.
 */
export class HealthCheckResult extends AggregateRoot<string, HealthEvent> {
  private constructor(
    private s: HealthCheckResultSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static start(props: Pick<HealthCheckResultSnapshot, 'id' | 'tenantId' | 'projectId' | 'environmentId' | 'service' | 'revision'>, now: Date): HealthCheckResult {
    return new HealthCheckResult(
      { ...props, status: 'unknown', since: now, reason: 'no check received yet', consecutiveFailures: 0, consecutivePasses: 0, lastChecks: [], lastReportAt: null, createdAt: now, updatedAt: now },
      0,
    );
  }

  static rehydrate(s: HealthCheckResultSnapshot, version: number): HealthCheckResult {
    return new HealthCheckResult({ ...s, lastChecks: s.lastChecks.map((c) => ({ ...c, observedAt: new Date(c.observedAt) })) }, version);
  }

  /** Takes one check; answers whether it was taken (false: older than the last one) and whether the status changed. */
  take(check: Check, t: Thresholds, now: Date): { taken: boolean; changed: boolean } {
    if (t.failureThreshold < 1 || t.successThreshold < 1) throw new DomainError('validation_failed', 'thresholds must be at least 1');
    if (this.s.lastReportAt && check.observedAt <= this.s.lastReportAt) return { taken: false, changed: false };
    let { consecutiveFailures: fails, consecutivePasses: passes } = this.s;
    let next: { status: HealthStatus; reason: string } | null = null;
    if (check.status === 'fail') {
      fails += 1;
      passes = 0;
      if (fails >= t.failureThreshold) next = { status: 'unhealthy', reason: `${fails} consecutive failed checks (failureThreshold ${t.failureThreshold})` };
    } else if (check.status === 'warn') {
      fails = 0;
      passes = 0;
      next = { status: 'degraded', reason: 'the last check warned' };
    } else {
      passes += 1;
      fails = 0;
      if (passes >= t.successThreshold) next = { status: 'healthy', reason: `${passes} consecutive passing checks (successThreshold ${t.successThreshold})` };
    }
    const lastChecks = [...this.s.lastChecks, check].slice(-MAX_LAST_CHECKS);
    this.s = { ...this.s, consecutiveFailures: fails, consecutivePasses: passes, lastChecks, lastReportAt: check.observedAt, updatedAt: now };
    if (!next) return { taken: true, changed: false };
    // Staying in a status keeps its `since`; the reason follows the latest count.
    if (next.status === this.s.status) {
      this.s = { ...this.s, reason: next.reason };
      return { taken: true, changed: false };
    }
    this.change(next.status, next.reason, check.observedAt, now);
    return { taken: true, changed: true };
  }

  /** Turns `unknown` when no check came for `staleSeconds` (before `now`); answers whether it changed. */
  expireIfStale(t: Thresholds, now: Date): boolean {
    if (this.s.status === 'unknown') return false;
    const last = this.s.lastReportAt ?? this.s.since;
    if (now.getTime() - last.getTime() < t.staleSeconds * 1000) return false;
    this.s = { ...this.s, consecutiveFailures: 0, consecutivePasses: 0, updatedAt: now };
    this.change('unknown', `no check for ${t.staleSeconds} s`, now, now);
    return true;
  }

  get status(): HealthStatus {
    return this.s.status;
  }

  get projectId(): string {
    return this.s.projectId;
  }

  snapshot(): HealthCheckResultSnapshot {
    return { ...this.s, lastChecks: [...this.s.lastChecks] };
  }

  private change(status: HealthStatus, reason: string, since: Date, now: Date): void {
    const previousStatus = this.s.status;
    this.s = { ...this.s, status, reason, since };
    const { tenantId, projectId, environmentId, service, revision } = this.s;
    this.record(new ServiceHealthChanged(this.id, { tenantId, projectId, environmentId, service, revision, status, previousStatus, reason, since: since.toISOString() }, now));
  }
}
