import { DesiredSnapshot, EnvironmentDrift } from './environment-drift.aggregate';
import { FindingState, RuntimeDriftFinding } from './drift-finding.aggregate';
import { DriftKind } from './reconciliation';

/** Drift's per-environment aggregate and the history of its desired states. */
export abstract class EnvironmentDriftRepository {
  /** `lock`: the row is locked for the transaction (two postings of one environment's desired state queue up). */
  abstract find(environmentId: string, opts?: { lock?: boolean }): Promise<EnvironmentDrift | null>;
  /** Saves the aggregate and appends the snapshots it recorded to the history. */
  abstract save(drift: EnvironmentDrift): Promise<void>;
  /** Recorded desired states, newest first. */
  abstract history(environmentId: string, limit: number, before?: { t: string; id: string }): Promise<DesiredSnapshot[]>;
}

export interface FindingFilter {
  environmentId?: string;
  state?: FindingState;
  service?: string;
  kind?: DriftKind;
  projectIds?: string[];
}

export abstract class DriftFindingRepository {
  abstract findById(id: string): Promise<RuntimeDriftFinding | null>;
  abstract save(finding: RuntimeDriftFinding): Promise<void>;
  /** Every finding of the environment that is not resolved. */
  abstract unresolvedOf(environmentId: string): Promise<RuntimeDriftFinding[]>;
  /** The finding whose current corrective deployment this is. */
  abstract byDeployment(deploymentId: string): Promise<RuntimeDriftFinding | null>;
  /** The newest finding of this fingerprint resolved after `since` (the loop guard carries its attempts over). */
  abstract resolvedSince(environmentId: string, fingerprint: string, since: Date): Promise<RuntimeDriftFinding | null>;
  abstract page(filter: FindingFilter, limit: number, after?: { t: string; id: string }): Promise<RuntimeDriftFinding[]>;
}
