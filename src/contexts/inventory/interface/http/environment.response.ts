import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page } from '@rcp/http';
import { ActualStateResult } from '../../application/commands/report-actual-state/report-actual-state.command';
import { CompletionView } from '../../application/commands/complete-operation/complete-operation.command';
import { EnvironmentAcceptedView, EnvironmentView } from '../../application/environment.view';
import { ServiceInventoryView, ServiceView } from '../../application/queries/list-services/list-services.query';
import { ENVIRONMENT_TYPES, EnvironmentType } from '../../domain/environment-name.value-object';
import { PlacementProps } from '../../domain/placement.value-object';
import { OperationKind } from '../../domain/provisioning-policy';
import { ENVIRONMENT_STATES, EnvironmentState } from '../../domain/runtime-environment.aggregate';

/** Each response class implements its view, so the document cannot leave out or mistype a field the API answers with. */
export class EnvironmentPlacementDto implements PlacementProps {
  @ApiProperty({ enum: ['dedicated', 'pool', 'shared'], example: 'pool' }) model: PlacementProps['model'];
  @ApiProperty({ example: 'pool-2' }) cluster: string;
  @ApiProperty({ example: 'acme-web-web-staging', description: '`${namespacePrefix}${projectId}-${name}` of the tenant placement (a DNS label)' }) namespace: string;
  @ApiProperty({ example: 'pool-2/tenant_acme' }) dataStore: string;
}

export class OperationDto implements NonNullable<EnvironmentView['operation']> {
  @ApiProperty({ format: 'uuid', description: 'Provisioner operation id; outcomes are accepted only for the operation in flight' }) id: string;
  @ApiProperty({ enum: ['provision', 'decommission'] }) kind: OperationKind;
  @ApiProperty({ type: 'integer', example: 1 }) attempt: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
}

export class EnvironmentResponse implements EnvironmentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) tenantId: string;
  @ApiProperty({ example: 'web' }) projectId: string;
  @ApiProperty({ example: 'web-staging' }) name: string;
  @ApiProperty({ enum: ENVIRONMENT_TYPES, example: 'staging' }) type: EnvironmentType;
  @ApiProperty({ example: 'eu-west-1' }) region: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'payments' } }) labels: Record<string, string>;
  @ApiProperty({ type: EnvironmentPlacementDto }) placement: EnvironmentPlacementDto;
  @ApiProperty({ enum: ENVIRONMENT_STATES, example: 'ready', description: 'requested → provisioning → ready | failed; ready | failed → decommissioning → decommissioned' }) state: EnvironmentState;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Why the environment is failed, and what to do about it',
    example: 'Provisioning failed after 3 attempt(s): quota of the cloud account reached. Fix the cause, then retry the environment or decommission it',
  })
  failureReason: string | null;
  @ApiPropertyOptional({ type: OperationDto, nullable: true, description: 'The provisioner operation in flight' }) operation: OperationDto | null;
  @ApiProperty({ type: 'integer', example: 1, description: 'Provisioning round: 1, then +1 per retry' }) round: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'Attempts made in the current provisioning or decommissioning round' }) attempts: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the last attempt failed, while another one is pending' }) lastError: string | null;
  @ApiProperty({ example: false, description: 'Decommissioning was asked for (tenant offboarded) and starts once provisioning settles' }) decommissionPending: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) decommissionReason: string | null;
  @ApiProperty({ type: 'integer', example: 1, description: 'Optimistic concurrency version; also the ETag' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) readyAt: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) decommissionedAt: string | null;
}

export class EnvironmentAcceptedResponse extends EnvironmentResponse implements EnvironmentAcceptedView {
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'The background job moving the environment on (GET /v1/jobs/{jobId})' })
  jobId: string | null;
}

export class EnvironmentPageResponse implements Page<EnvironmentView> {
  @ApiProperty({ type: [EnvironmentResponse] }) items: EnvironmentResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ServiceResponse implements ServiceView {
  @ApiProperty({ example: 'checkout-api' }) name: string;
  @ApiProperty({ example: 'registry.example.com/checkout-api:1.4.2' }) image: string;
  @ApiProperty({ type: 'integer', example: 3 }) replicas: number;
  @ApiProperty({ type: 'integer', example: 3 }) readyReplicas: number;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'sha256:2c26b46b…' }) configChecksum: string | null;
  @ApiProperty({ example: false, description: 'Beyond the tenant\'s maxServicesPerEnvironment (kept and reported, not dropped)' }) overQuota: boolean;
  @ApiProperty({ example: false, description: 'Missing from the latest full report' }) removed: boolean;
  @ApiProperty({ format: 'date-time' }) firstObservedAt: string;
  @ApiProperty({ format: 'date-time' }) lastObservedAt: string;
  @ApiProperty({ format: 'date-time' }) lastChangedAt: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) removedAt: string | null;
}

export class ServiceInventoryResponse implements ServiceInventoryView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String, description: 'observedAt of the last applied report' }) lastObservedAt: string | null;
  @ApiProperty({ type: [ServiceResponse] }) items: ServiceResponse[];
}

export class ActualStateResponse implements ActualStateResult {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ example: true, description: 'False when the report was older than the last applied one (nothing changed)' }) applied: boolean;
  @ApiPropertyOptional({ example: 'stale report: observed at 2026-01-15T10:29:00.000Z, but a report observed at 2026-01-15T10:30:00.000Z was already applied' })
  reason?: string;
  @ApiProperty({ format: 'date-time' }) observedAt: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) lastObservedAt: string | null;
  @ApiProperty({ type: [String], example: ['worker'], description: 'Services seen for the first time' }) observed: string[];
  @ApiProperty({ type: [String], example: ['checkout-api'] }) changed: string[];
  @ApiProperty({ type: [String], example: [], description: 'Services missing from this full report' }) removed: string[];
  @ApiProperty({ type: [String], example: ['web'] }) unchanged: string[];
  @ApiProperty({ example: false, description: 'Live services exceed maxServicesPerEnvironment' }) overQuota: boolean;
  @ApiProperty({ type: [String], example: [] }) overQuotaServices: string[];
  @ApiProperty({ type: 'integer', example: 3 }) liveServices: number;
  @ApiPropertyOptional({ nullable: true, type: 'integer', example: 20 }) maxServicesPerEnvironment: number | null;
}

export class ExecutorCallbackResponse implements CompletionView {
  @ApiProperty({ format: 'uuid' }) operationId: string;
  @ApiProperty({ example: true, description: 'False for progress, replays, and operations not in flight' }) applied: boolean;
  @ApiPropertyOptional({ example: 'callback cb-1 was already received' }) reason?: string;
  @ApiPropertyOptional({ format: 'uuid' }) environmentId?: string;
  @ApiPropertyOptional({ enum: ENVIRONMENT_STATES }) state?: EnvironmentState;
}
