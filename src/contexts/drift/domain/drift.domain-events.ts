import { DomainEvent } from '@rcp/ddd';
import { DriftKind, Evidence } from './reconciliation';
import { RemediationAction } from './remediation-policy';

interface EnvironmentRef {
  tenantId: string;
  projectId: string;
  environmentId: string;
}
interface FindingRef extends EnvironmentRef {
  service: string;
  kind: DriftKind;
  fingerprint: string;
}

export class DesiredStateRecorded extends DomainEvent<
  EnvironmentRef & { snapshotId: string; repository: string; revision: string; path: string; services: number; observedAt: string; current: boolean; reason: string | null }
> {
  readonly name = 'DesiredStateRecorded';
}
export class ReconciliationCompleted extends DomainEvent<
  EnvironmentRef & { trigger: 'scheduled' | 'on-demand' | 'change'; desiredRevision: string; counts: { open: number; detected: number; resolved: number; explained: number; skipped: number } }
> {
  readonly name = 'ReconciliationCompleted';
}
export type EnvironmentDriftEvent = DesiredStateRecorded | ReconciliationCompleted;

export class DriftDetected extends DomainEvent<FindingRef & { desired: string | number | null; actual: string | number | null; desiredRevision: string; evidence: Evidence[] }> {
  readonly name = 'DriftDetected';
}
export class DriftResolved extends DomainEvent<FindingRef & { how: string; firstSeenAt: string; lastSeenAt: string; occurrences: number }> {
  readonly name = 'DriftResolved';
}
export class RemediationRequested extends DomainEvent<
  FindingRef & {
    action: RemediationAction;
    toRevision: number | null;
    desired: { image: string; replicas: number; configChecksum: string | null } | null;
    automatic: boolean;
    requestedBy: string;
    attempt: number;
  }
> {
  readonly name = 'RemediationRequested';
}
export class RemediationFailed extends DomainEvent<FindingRef & { deploymentId: string | null; outcome: string; reason: string }> {
  readonly name = 'RemediationFailed';
}
export class FindingSuppressed extends DomainEvent<FindingRef & { reason: string; until: string | null; by: string }> {
  readonly name = 'FindingSuppressed';
}
export class FindingQuarantined extends DomainEvent<FindingRef & { image: string; deploymentId: string; reason: string }> {
  readonly name = 'FindingQuarantined';
}
export type DriftFindingEvent = DriftDetected | DriftResolved | RemediationRequested | RemediationFailed | FindingSuppressed | FindingQuarantined;
