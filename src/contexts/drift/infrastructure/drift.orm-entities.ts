import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DesiredService } from '../domain/desired-state';
import { DriftFindingSnapshot, FindingState, RemediationAttempt } from '../domain/drift-finding.aggregate';
import { EnvironmentDriftSnapshot } from '../domain/environment-drift.aggregate';
import { DriftKind, Evidence } from '../domain/reconciliation';
import { RemediationPolicyProps } from '../domain/remediation-policy';

/** The newest desired state as jsonb keeps it (times as RFC 3339). */
export interface StoredDesiredSnapshot {
  id: string;
  source: { repository: string; revision: string; path: string };
  services: DesiredService[];
  observedAt: string;
  recordedAt: string;
  recordedBy: string;
  digest: string;
}

/** Row of `drift.environment_drift`: one per environment that has a desired state or a remediation policy. */
@Entity({ schema: 'drift', name: 'environment_drift' })
export class EnvironmentDriftOrmEntity implements Omit<EnvironmentDriftSnapshot, 'desired'> {
  @PrimaryColumn({ name: 'environment_id', type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ type: 'jsonb' }) policy: RemediationPolicyProps;
  @Column({ name: 'policy_version', type: 'integer' }) policyVersion: number;
  @Column({ type: 'jsonb', nullable: true }) desired: StoredDesiredSnapshot | null;
  @Column({ name: 'last_reconciliation', type: 'jsonb', nullable: true }) lastReconciliation: EnvironmentDriftSnapshot['lastReconciliation'];
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'integer' }) version: number;
}

/** Row of `drift.findings`; `deployment_id` is the current attempt's corrective deployment (how its outcome finds the finding). */
@Entity({ schema: 'drift', name: 'findings' })
export class DriftFindingOrmEntity implements DriftFindingSnapshot {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ type: 'text' }) kind: DriftKind;
  @Column({ type: 'text' }) fingerprint: string;
  @Column({ type: 'text' }) state: FindingState;
  @Column({ type: 'jsonb', nullable: true }) desired: string | number | null;
  @Column({ type: 'jsonb', nullable: true }) actual: string | number | null;
  @Column({ name: 'desired_revision', type: 'text' }) desiredRevision: string;
  @Column({ type: 'jsonb' }) evidence: Evidence[];
  @Column({ name: 'first_seen_at', type: 'timestamptz' }) firstSeenAt: Date;
  @Column({ name: 'last_seen_at', type: 'timestamptz' }) lastSeenAt: Date;
  @Column({ type: 'integer' }) occurrences: number;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'jsonb' }) attempts: RemediationAttempt[];
  @Column({ name: 'earlier_attempts', type: 'jsonb' }) earlierAttempts: Array<{ requestedAt: string; endedAt: string | null }>;
  @Column({ type: 'jsonb', nullable: true }) suppression: DriftFindingSnapshot['suppression'];
  @Column({ type: 'jsonb', nullable: true }) quarantine: DriftFindingSnapshot['quarantine'];
  @Column({ type: 'jsonb', nullable: true }) resolution: DriftFindingSnapshot['resolution'];
  @Column({ name: 'deployment_id', type: 'uuid', nullable: true }) deploymentId: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'integer' }) version: number;
}
