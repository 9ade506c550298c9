import { AggregateRoot } from '@rcp/ddd';
import { DesiredService, DesiredSource, DesiredState, desiredStateDigest } from './desired-state';
import { DesiredStateRecorded, EnvironmentDriftEvent, ReconciliationCompleted } from './drift.domain-events';
import { DEFAULT_POLICY, RemediationPolicyProps, validatePolicy } from './remediation-policy';

/** One recorded desired state: immutable once recorded. */
export interface DesiredSnapshot {
  id: string;
  source: DesiredSource;
  services: DesiredService[];
  observedAt: Date;
  recordedAt: Date;
  recordedBy: string;
  digest: string;
}

export type ReconcileTrigger = 'scheduled' | 'on-demand' | 'change';
export interface ReconciliationCounts {
  /** Unresolved findings after the run. */
  open: number;
  detected: number;
  resolved: number;
  explained: number;
  skipped: number;
}

export interface EnvironmentDriftSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  policy: RemediationPolicyProps;
  /** The policy's own version (its ETag): a reconciliation does not make a policy update stale. 0: never set. */
  policyVersion: number;
  /** The newest desired state (what reconciliation compares with); null until a pipeline posts one. */
  desired: DesiredSnapshot | null;
  lastReconciliation: { at: string; trigger: ReconcileTrigger; desiredRevision: string; counts: ReconciliationCounts } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What posting a desired state did. */
export interface RecordOutcome {
  snapshot: DesiredSnapshot;
  /** It is now the newest (what reconciliation compares with). */
  current: boolean;
  /** Why it is not the newest, when it is not. */
  reason: string | null;
  /** The same source and services as the newest: nothing was recorded. */
  duplicate: boolean;
}

/**
 * Drift's view of one environment: the newest desired state Git declares for it (every snapshot is kept;
 * the newest wins, and an older revision of the same repository is recorded without replacing it), its
 * remediation policy, and how its last reconciliation went. The control plane never invents desired state.
 */
export class EnvironmentDrift extends AggregateRoot<string, EnvironmentDriftEvent> {
  private newSnapshots: DesiredSnapshot[] = [];

  private constructor(
    private s: EnvironmentDriftSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static open(env: { environmentId: string; tenantId: string; projectId: string }, now: Date): EnvironmentDrift {
    return new EnvironmentDrift({ id: env.environmentId, tenantId: env.tenantId, projectId: env.projectId, policy: DEFAULT_POLICY, policyVersion: 0, desired: null, lastReconciliation: null, createdAt: now, updatedAt: now }, 0);
  }

  static rehydrate(s: EnvironmentDriftSnapshot, version: number): EnvironmentDrift {
    return new EnvironmentDrift(s, version);
  }

  get desired(): DesiredSnapshot | null {
    return this.s.desired;
  }

  get policy(): RemediationPolicyProps {
    return this.s.policy;
  }

  get policyVersion(): number {
    return this.s.policyVersion;
  }

  recordDesiredState(state: DesiredState, snapshotId: string, by: string, now: Date): RecordOutcome {
    const digest = desiredStateDigest(state);
    const newest = this.s.desired;
    if (newest && newest.digest === digest) return { snapshot: newest, current: true, reason: null, duplicate: true };
    const snapshot: DesiredSnapshot = { id: snapshotId, source: state.source, services: state.services, observedAt: state.observedAt, recordedAt: now, recordedBy: by, digest };
    const older = newest && newest.source.repository === state.source.repository && state.observedAt < newest.observedAt;
    const reason = older ? `older than the newest snapshot (revision ${newest.source.revision}, observed at ${newest.observedAt.toISOString()}): recorded, not applied` : null;
    if (!older) this.s.desired = snapshot;
    this.newSnapshots.push(snapshot);
    this.s.updatedAt = now;
    this.record(
      new DesiredStateRecorded(
        this.id,
        {
          ...this.ref(),
          snapshotId,
          repository: state.source.repository,
          revision: state.source.revision,
          path: state.source.path,
          services: state.services.length,
          observedAt: state.observedAt.toISOString(),
          current: !older,
          reason,
        },
        now,
      ),
    );
    return { snapshot, current: !older, reason, duplicate: false };
  }

  /** Sets or replaces the remediation policy; false when it is the one already set. */
  setPolicy(props: RemediationPolicyProps, now: Date): boolean {
    const next = validatePolicy(props);
    if (this.s.policyVersion > 0 && JSON.stringify(next) === JSON.stringify(this.s.policy)) return false;
    this.s.policy = next;
    this.s.policyVersion += 1;
    this.s.updatedAt = now;
    return true;
  }

  /**
   * A reconciliation ran. It is published (with its counts) when it found or resolved something, or
   * when it was asked for (on demand or by a change); a scheduled run that changed nothing stays quiet
   * (the schedule keeps its time), so a fleet of steady environments does not flood the event log.
   * Returns whether it was recorded.
   */
  reconciled(trigger: ReconcileTrigger, counts: ReconciliationCounts, now: Date): boolean {
    if (!this.s.desired) return false;
    if (trigger === 'scheduled' && counts.detected === 0 && counts.resolved === 0) return false;
    const desiredRevision = this.s.desired.source.revision;
    this.s.lastReconciliation = { at: now.toISOString(), trigger, desiredRevision, counts };
    this.s.updatedAt = now;
    this.record(new ReconciliationCompleted(this.id, { ...this.ref(), trigger, desiredRevision, counts }, now));
    return true;
  }

  /** Snapshots recorded since the last call (the repository appends them to the history). */
  takeRecordedSnapshots(): DesiredSnapshot[] {
    const r = this.newSnapshots;
    this.newSnapshots = [];
    return r;
  }

  snapshot(): EnvironmentDriftSnapshot {
    return { ...this.s };
  }

  private ref() {
    return { tenantId: this.s.tenantId, projectId: this.s.projectId, environmentId: this.id };
  }
}
