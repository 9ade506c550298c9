import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { DesiredStateView, DriftFindingView, EnvironmentDriftView, ReconcileRequestedView, RecordedDesiredStateView, RemediationPolicyView } from '../../application/drift.views';
import { AttemptOutcome, FINDING_STATES, FindingState } from '../../domain/drift-finding.aggregate';
import { DRIFT_KINDS, DriftKind } from '../../domain/reconciliation';
import { REMEDIATION_ACTIONS, RemediationAction, RemediationMode, Weekday } from '../../domain/remediation-policy';
import { DesiredServiceDto, DesiredSourceDto, RemediationWindowDto } from './drift.request';

const VALUE: ApiPropertyOptions = { oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true, description: 'An image, a replica count, a config checksum or a health status, by kind' };

class DesiredServiceResponse extends DesiredServiceDto {
  @ApiProperty({ type: 'string', nullable: true }) declare configChecksum: string | null;
}

export class DesiredStateResponse implements DesiredStateView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ type: DesiredSourceDto }) source: DesiredSourceDto;
  @ApiProperty({ type: [DesiredServiceResponse] }) services: DesiredServiceResponse[];
  @ApiProperty({ format: 'date-time' }) observedAt: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty() recordedBy: string;
}

export class RecordedDesiredStateResponse extends DesiredStateResponse implements RecordedDesiredStateView {
  @ApiProperty({ description: 'It is now the newest snapshot: what reconciliation compares with' }) current: boolean;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it is not the newest (an older revision of the same repository)' }) reason: string | null;
}

export class DesiredStatePageResponse extends PageOf(RecordedDesiredStateResponse) implements Page<RecordedDesiredStateView> {}

export class RemediationPolicyResponse implements RemediationPolicyView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ enum: ['manual', 'auto'] }) mode: RemediationMode;
  @ApiProperty({ type: [String], enum: REMEDIATION_ACTIONS }) allow: RemediationAction[];
  @ApiProperty({ type: [RemediationWindowDto] }) windows: Array<{ days: Weekday[]; start: string; end: string }>;
  @ApiProperty({ type: 'integer', nullable: true }) reconcileIntervalSeconds: number | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Also the ETag (0: the default policy, never set)' }) version: number;
}

class EvidenceDto {
  @ApiProperty({ enum: ['desired-state', 'inventory', 'health', 'scaling-policy', 'scaling-decision', 'deployment'] }) signal: 'desired-state' | 'inventory' | 'health' | 'scaling-policy' | 'scaling-decision' | 'deployment';
  @ApiProperty({ enum: ['shows', 'explains', 'contradicts'] }) says: 'shows' | 'explains' | 'contradicts';
  @ApiProperty() detail: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) at: string | null;
}

class AttemptDto {
  @ApiProperty({ enum: REMEDIATION_ACTIONS }) action: RemediationAction;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The succeeded revision deployed again (reapply, rollback)' }) toRevision: number | null;
  @ApiProperty() automatic: boolean;
  @ApiProperty() requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The corrective deployment, once created' }) deploymentId: string | null;
  @ApiProperty({ enum: ['requested', 'started', 'succeeded', 'failed', 'rolled_back', 'aborted', 'not-held'] }) outcome: AttemptOutcome;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) endedAt: string | null;
  @ApiProperty({ type: 'string', nullable: true }) reason: string | null;
}

class SuppressionDto {
  @ApiProperty() reason: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) until: string | null;
  @ApiProperty() by: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

class QuarantineDto {
  @ApiProperty() image: string;
  @ApiProperty({ format: 'uuid' }) deploymentId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

class ResolutionDto {
  @ApiProperty() how: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class DriftFindingResponse implements DriftFindingView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() projectId: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty() service: string;
  @ApiProperty({ enum: DRIFT_KINDS }) kind: DriftKind;
  @ApiProperty({ description: 'sha256 of environment, service, kind and desired value: one unresolved finding per fingerprint' }) fingerprint: string;
  @ApiProperty({ enum: FINDING_STATES }) state: FindingState;
  @ApiProperty(VALUE) desired: string | number | null;
  @ApiProperty(VALUE) actual: string | number | null;
  @ApiProperty({ description: 'The desired-state revision it was last judged against' }) desiredRevision: string;
  @ApiProperty({ type: [EvidenceDto], description: 'The signals that showed, explained or contradicted it' }) evidence: EvidenceDto[];
  @ApiProperty({ format: 'date-time' }) firstSeenAt: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Reconciliations that saw it' }) occurrences: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it is in its state: why auto-remediation waits, how a remediation failed, why it is quarantined' }) reason: string | null;
  @ApiProperty({ type: [AttemptDto] }) attempts: AttemptDto[];
  @ApiProperty({ type: SuppressionDto, nullable: true }) suppression: SuppressionDto | null;
  @ApiProperty({ type: QuarantineDto, nullable: true }) quarantine: QuarantineDto | null;
  @ApiProperty({ type: ResolutionDto, nullable: true, description: 'How it ended' }) resolution: ResolutionDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Also the ETag' }) version: number;
}

export class DriftFindingPageResponse extends PageOf(DriftFindingResponse) implements Page<DriftFindingView> {}

class DesiredSummaryDto {
  @ApiProperty() repository: string;
  @ApiProperty() revision: string;
  @ApiProperty() path: string;
  @ApiProperty({ format: 'date-time' }) observedAt: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty({ type: 'integer' }) services: number;
}

class PolicySummaryDto {
  @ApiProperty({ enum: ['manual', 'auto'] }) mode: string;
  @ApiProperty({ type: [String], enum: REMEDIATION_ACTIONS }) allow: string[];
}

class CountsDto {
  @ApiProperty({ type: 'integer' }) open: number;
  @ApiProperty({ type: 'integer' }) detected: number;
  @ApiProperty({ type: 'integer' }) resolved: number;
  @ApiProperty({ type: 'integer' }) explained: number;
  @ApiProperty({ type: 'integer' }) skipped: number;
}

class LastReconciliationDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['scheduled', 'on-demand', 'change'] }) trigger: 'scheduled' | 'on-demand' | 'change';
  @ApiProperty() desiredRevision: string;
  @ApiProperty({ type: CountsDto }) counts: CountsDto;
}

class FindingCountsDto {
  @ApiProperty({ type: 'integer' }) open: number;
  @ApiProperty({ type: 'integer' }) remediating: number;
  @ApiProperty({ type: 'integer' }) quarantined: number;
  @ApiProperty({ type: 'integer' }) suppressed: number;
}

export class EnvironmentDriftResponse implements EnvironmentDriftView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ type: DesiredSummaryDto, nullable: true, description: 'The newest desired state (null: none posted)' }) desired: DesiredSummaryDto | null;
  @ApiProperty({ type: PolicySummaryDto }) policy: PolicySummaryDto;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) lastReconciledAt: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) nextReconcileAt: string | null;
  @ApiProperty({ type: LastReconciliationDto, nullable: true, description: 'The last published reconciliation, with its counts' }) lastReconciliation: LastReconciliationDto | null;
  @ApiProperty({ type: FindingCountsDto, description: 'Unresolved findings by state' }) findings: FindingCountsDto;
}

export class ReconcileRequestedResponse implements ReconcileRequestedView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ format: 'uuid', description: 'The job reconciling it (GET /v1/jobs/{id})' }) jobId: string;
  @ApiProperty({ enum: ['queued'] }) state: 'queued';
}
