import { Serialized, serialized } from '@rcp/ddd';
import { DriftFindingSnapshot, RuntimeDriftFinding } from '../domain/drift-finding.aggregate';
import { DesiredSnapshot, EnvironmentDrift, EnvironmentDriftSnapshot } from '../domain/environment-drift.aggregate';

/** A finding as the API shows it (the carried-over attempts are the loop guard's business, not the reader's). */
export type DriftFindingView = Serialized<Omit<DriftFindingSnapshot, 'earlierAttempts'>> & { version: number };

export function findingView(f: RuntimeDriftFinding, version = f.version): DriftFindingView {
  const { earlierAttempts: _e, ...rest } = f.snapshot();
  return { ...serialized(rest), version };
}

export type DesiredStateView = Serialized<Omit<DesiredSnapshot, 'digest'>> & { environmentId: string };

export const desiredStateView = (environmentId: string, d: DesiredSnapshot): DesiredStateView => {
  const { digest: _d, ...rest } = d;
  return { ...serialized(rest), environmentId };
};

/** What posting a desired state did: the snapshot, whether it is now the newest, and why not. */
export type RecordedDesiredStateView = DesiredStateView & { current: boolean; reason: string | null };

/** The policy; its `version` is the policy's own (its ETag), not the drift record's. */
export type RemediationPolicyView = Serialized<EnvironmentDriftSnapshot['policy']> & { environmentId: string; version: number };

export const policyView = (d: EnvironmentDrift): RemediationPolicyView => ({ ...serialized(d.policy), environmentId: d.id, version: d.policyVersion });

/** Where an environment stands with drift: what Git declares, when it was last and will next be reconciled, its unresolved findings by state. */
export interface EnvironmentDriftView {
  environmentId: string;
  desired: { repository: string; revision: string; path: string; observedAt: string; recordedAt: string; services: number } | null;
  policy: { mode: string; allow: string[] };
  lastReconciledAt: string | null;
  nextReconcileAt: string | null;
  lastReconciliation: Serialized<EnvironmentDriftSnapshot['lastReconciliation']>;
  findings: { open: number; remediating: number; quarantined: number; suppressed: number };
}

/** The answer of `POST …/reconcile`: the job doing it. */
export interface ReconcileRequestedView {
  environmentId: string;
  jobId: string;
  state: 'queued';
}

/** What one reconciliation did. */
export interface ReconciliationResult {
  environmentId: string;
  reconciled: boolean;
  reason: string | null;
  counts: { open: number; detected: number; resolved: number; explained: number; skipped: number } | null;
}
