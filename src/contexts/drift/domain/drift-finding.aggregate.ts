import { AggregateRoot, DomainError, Lifecycle } from '@rcp/ddd';
import { DriftDetected, DriftFindingEvent, DriftResolved, FindingQuarantined, FindingSuppressed, RemediationFailed, RemediationRequested } from './drift.domain-events';
import { Divergence, DriftKind, Evidence } from './reconciliation';
import { RemediationAction } from './remediation-policy';

export type FindingState = 'open' | 'remediating' | 'quarantined' | 'suppressed' | 'resolved';
export const FINDING_STATES: readonly FindingState[] = ['open', 'remediating', 'quarantined', 'suppressed', 'resolved'];
export const UNRESOLVED_STATES: readonly FindingState[] = ['open', 'remediating', 'quarantined', 'suppressed'];

export type AttemptOutcome = 'requested' | 'started' | 'succeeded' | 'failed' | 'rolled_back' | 'aborted' | 'not-held';

/** One corrective deployment asked for a finding, and how it ended (times as RFC 3339). */
export interface RemediationAttempt {
  action: RemediationAction;
  toRevision: number | null;
  automatic: boolean;
  requestedBy: string;
  requestedAt: string;
  deploymentId: string | null;
  outcome: AttemptOutcome;
  endedAt: string | null;
  reason: string | null;
}

export interface DriftFindingSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  kind: DriftKind;
  fingerprint: string;
  state: FindingState;
  desired: string | number | null;
  actual: string | number | null;
  /** The desired-state revision the finding was last judged against. */
  desiredRevision: string;
  /** The signals that showed, explained or contradicted the divergence, as last judged. */
  evidence: Evidence[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
  /** Why it is in its state (why auto-remediation waits, how a remediation failed, why it is quarantined). */
  reason: string | null;
  attempts: RemediationAttempt[];
  /** Attempts made for the same fingerprint by a finding resolved shortly before this one opened: the loop guard counts them. */
  earlierAttempts: Array<{ requestedAt: string; endedAt: string | null }>;
  suppression: { reason: string; until: string | null; by: string; at: string } | null;
  quarantine: { image: string; deploymentId: string; reason: string; at: string } | null;
  resolution: { how: string; at: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

type Action = 'remediate' | 'remediation-failed' | 'quarantine' | 'lift-quarantine' | 'suppress' | 'suppression-expired' | 'resolve';

export const FINDING_LIFECYCLE = new Lifecycle<FindingState, Action>('Drift finding', {
  remediate: {
    from: ['open'],
    to: 'remediating',
    describe: 'be remediated',
    refusals: {
      remediating: 'be remediated: a corrective deployment is already under way',
      quarantined: 'be remediated: the image the desired state names was rolled back by its health gate; remediation resumes with a newer desired-state revision',
      suppressed: 'be remediated: it is suppressed',
      resolved: 'be remediated: it is resolved',
    },
  },
  'remediation-failed': { from: ['remediating'], to: 'open', describe: 'end a remediation' },
  quarantine: { from: ['open', 'remediating'], to: 'quarantined', describe: 'be quarantined' },
  'lift-quarantine': { from: ['quarantined'], to: 'open', describe: 'leave quarantine' },
  suppress: { from: ['open', 'quarantined'], to: 'suppressed', describe: 'be suppressed', refusals: { suppressed: 'be suppressed: it already is', resolved: 'be suppressed: it is resolved', remediating: 'be suppressed: a corrective deployment is under way' } },
  'suppression-expired': { from: ['suppressed'], to: 'open', describe: 'end its suppression' },
  resolve: { from: ['open', 'remediating', 'quarantined', 'suppressed'], to: 'resolved', describe: 'be resolved' },
});

export interface NewFinding {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  fingerprint: string;
  desiredRevision: string;
  divergence: Divergence;
  earlierAttempts: Array<{ requestedAt: string; endedAt: string | null }>;
}

/**
 * One divergence between what Git declares and what runs, deduplicated by fingerprint (environment,
 * service, kind, desired value): seen first and last, how often, with the evidence that showed it, every
 * corrective deployment asked for it and how each ended, and how it ended itself.
 */
export class RuntimeDriftFinding extends AggregateRoot<string, DriftFindingEvent> {
  private constructor(
    private s: DriftFindingSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static detect(input: NewFinding, now: Date): RuntimeDriftFinding {
    const d = input.divergence;
    const f = new RuntimeDriftFinding(
      {
        id: input.id,
        tenantId: input.tenantId,
        projectId: input.projectId,
        environmentId: input.environmentId,
        service: d.service,
        kind: d.kind,
        fingerprint: input.fingerprint,
        state: 'open',
        desired: d.desired,
        actual: d.actual,
        desiredRevision: input.desiredRevision,
        evidence: d.evidence,
        firstSeenAt: now,
        lastSeenAt: now,
        occurrences: 1,
        reason: null,
        attempts: [],
        earlierAttempts: input.earlierAttempts,
        suppression: null,
        quarantine: null,
        resolution: null,
        createdAt: now,
        updatedAt: now,
      },
      0,
    );
    f.record(new DriftDetected(f.id, { ...f.ref(), desired: d.desired, actual: d.actual, desiredRevision: input.desiredRevision, evidence: d.evidence }, now));
    return f;
  }

  static rehydrate(s: DriftFindingSnapshot, version: number): RuntimeDriftFinding {
    return new RuntimeDriftFinding(s, version);
  }

  get state(): FindingState {
    return this.s.state;
  }

  get lastAttempt(): RemediationAttempt | null {
    return this.s.attempts[this.s.attempts.length - 1] ?? null;
  }

  /** Every attempt the loop guard counts: this finding's and those carried over from the same fingerprint. */
  get attemptTimes(): Array<{ requestedAt: Date; endedAt: Date | null }> {
    return [...this.s.earlierAttempts, ...this.s.attempts].map((a) => ({ requestedAt: new Date(a.requestedAt), endedAt: a.endedAt ? new Date(a.endedAt) : null }));
  }

  /**
   * Seen again by a reconciliation: last seen, occurrences and evidence move on. A suppression whose
   * expiry has passed ends (open again); a quarantine ends when the desired state moved to a newer revision;
   * a corrective deployment that succeeded without the divergence going away did not hold (open again).
   */
  observe(d: Divergence, desiredRevision: string, now: Date): void {
    this.s.lastSeenAt = now;
    this.s.occurrences += 1;
    this.s.actual = d.actual;
    this.s.evidence = d.evidence;
    const revisionMoved = desiredRevision !== this.s.desiredRevision;
    this.s.desiredRevision = desiredRevision;
    if (this.s.state === 'suppressed' && this.s.suppression?.until && new Date(this.s.suppression.until) <= now) {
      this.move('suppression-expired', now, `its suppression ended at ${this.s.suppression.until}`);
    } else if (this.s.state === 'quarantined' && revisionMoved) {
      this.move('lift-quarantine', now, `desired-state revision ${desiredRevision} arrived after the quarantine`);
      this.s.quarantine = null;
    } else if (this.s.state === 'remediating' && this.lastAttempt?.outcome === 'succeeded') {
      const attempt = this.lastAttempt;
      const reason = `corrective deployment ${attempt.deploymentId} succeeded, but the divergence remains`;
      this.endAttempt('not-held', reason, now);
      this.move('remediation-failed', now, reason);
      this.record(new RemediationFailed(this.id, { ...this.ref(), deploymentId: attempt.deploymentId, outcome: 'not-held', reason }, now));
    }
    this.s.updatedAt = now;
  }

  /** The divergence is gone (or a signal now explains it). */
  resolve(how: string, now: Date): void {
    if (this.s.state === 'remediating' && this.lastAttempt && ['requested', 'started'].includes(this.lastAttempt.outcome)) {
      // What runs matches again while the corrective deployment is still under way: it is judged when it ends.
      return;
    }
    this.move('resolve', now, null);
    this.s.resolution = { how, at: now.toISOString() };
    this.record(new DriftResolved(this.id, { ...this.ref(), how, firstSeenAt: this.s.firstSeenAt.toISOString(), lastSeenAt: this.s.lastSeenAt.toISOString(), occurrences: this.s.occurrences }, now));
  }

  /** Asks for a corrective deployment (a person, or auto-remediation within the policy). */
  requestRemediation(
    input: { action: RemediationAction; toRevision: number | null; desired: { image: string; replicas: number; configChecksum: string | null } | null; automatic: boolean; by: string },
    now: Date,
  ): void {
    this.move('remediate', now, `${input.automatic ? 'auto-remediation' : input.by} asked for ${input.action}`);
    this.s.attempts.push({ action: input.action, toRevision: input.toRevision, automatic: input.automatic, requestedBy: input.by, requestedAt: now.toISOString(), deploymentId: null, outcome: 'requested', endedAt: null, reason: null });
    this.record(
      new RemediationRequested(this.id, { ...this.ref(), action: input.action, toRevision: input.toRevision, desired: input.desired, automatic: input.automatic, requestedBy: input.by, attempt: this.s.attempts.length }, now),
    );
  }

  /** Auto-remediation waits (policy, window, backoff, loop guard): the reason is kept. Returns whether it changed. */
  hold(reason: string, now: Date): boolean {
    if (this.s.reason === reason) return false;
    this.s.reason = reason;
    this.s.updatedAt = now;
    return true;
  }

  /** The deployment context created the corrective deployment. Returns false when it changes nothing (a redelivery). */
  remediationStarted(deploymentId: string, now: Date): boolean {
    const a = this.lastAttempt;
    if (!a || a.outcome !== 'requested' || this.s.state !== 'remediating') return false;
    a.deploymentId = deploymentId;
    a.outcome = 'started';
    this.s.reason = `corrective deployment ${deploymentId} is rolling out`;
    this.s.updatedAt = now;
    return true;
  }

  /** The corrective deployment succeeded: the next reconciliation confirms the divergence is gone (resolved) or not (open again). */
  remediationSucceeded(deploymentId: string, now: Date): boolean {
    const a = this.lastAttempt;
    if (!a || a.deploymentId !== deploymentId || a.outcome !== 'started') return false;
    a.outcome = 'succeeded';
    a.endedAt = now.toISOString();
    this.s.reason = `corrective deployment ${deploymentId} succeeded; the next reconciliation confirms`;
    this.s.updatedAt = now;
    return true;
  }

  /** The corrective deployment failed, was aborted or rolled back: open again, with the reason. */
  remediationFailed(deploymentId: string, outcome: 'failed' | 'rolled_back' | 'aborted', reason: string, now: Date): boolean {
    const a = this.lastAttempt;
    if (!a || a.deploymentId !== deploymentId || a.outcome !== 'started' || this.s.state !== 'remediating') return false;
    const why = `corrective deployment ${deploymentId} ${outcome.replace('_', ' ')}: ${reason}`;
    this.endAttempt(outcome, reason, now);
    this.move('remediation-failed', now, why);
    this.record(new RemediationFailed(this.id, { ...this.ref(), deploymentId, outcome, reason }, now));
    return true;
  }

  /**
   * The image the desired state names was rolled back by its health gate: drift never re-applies it while
   * the desired state still names it at this revision. Returns false when already quarantined.
   */
  quarantine(q: { image: string; deploymentId: string; reason: string }, now: Date): boolean {
    if (this.s.state === 'quarantined') return false;
    if (this.s.state === 'remediating') {
      const a = this.lastAttempt;
      if (a && a.outcome === 'started' && a.deploymentId === q.deploymentId) this.endAttempt('rolled_back', q.reason, now);
    }
    const why = `${q.image} was rolled back by its health gate (deployment ${q.deploymentId}: ${q.reason}); it is not re-applied until a newer desired-state revision arrives`;
    this.move('quarantine', now, why);
    this.s.quarantine = { ...q, at: now.toISOString() };
    this.record(new FindingQuarantined(this.id, { ...this.ref(), ...q }, now));
    return true;
  }

  suppress(reason: string, until: Date | null, by: string, now: Date): void {
    if (typeof reason !== 'string' || reason.trim().length === 0) throw new DomainError('validation_failed', 'reason is required', { errors: [{ field: 'reason', message: 'is required' }] });
    if (until && until <= now) throw new DomainError('validation_failed', 'until must be in the future', { errors: [{ field: 'until', message: 'must be in the future' }] });
    this.move('suppress', now, `suppressed by ${by}: ${reason}`);
    this.s.suppression = { reason, until: until?.toISOString() ?? null, by, at: now.toISOString() };
    this.record(new FindingSuppressed(this.id, { ...this.ref(), reason, until: until?.toISOString() ?? null, by }, now));
  }

  snapshot(): DriftFindingSnapshot {
    return { ...this.s, evidence: [...this.s.evidence], attempts: this.s.attempts.map((a) => ({ ...a })), earlierAttempts: [...this.s.earlierAttempts] };
  }

  private endAttempt(outcome: AttemptOutcome, reason: string, now: Date): void {
    const a = this.lastAttempt;
    if (!a) return;
    a.outcome = outcome;
    a.reason = reason;
    a.endedAt = now.toISOString();
  }

  private move(action: Action, now: Date, reason: string | null): void {
    this.s.state = FINDING_LIFECYCLE.next(this.s.state, action);
    this.s.reason = reason;
    this.s.updatedAt = now;
  }

  private ref() {
    return { tenantId: this.s.tenantId, projectId: this.s.projectId, environmentId: this.s.environmentId, service: this.s.service, kind: this.s.kind, fingerprint: this.s.fingerprint };
  }
}
