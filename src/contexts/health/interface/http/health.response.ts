import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { HealthReportResult } from '../../application/commands/report-health/report-health.command';
import { MetricsResult } from '../../application/commands/record-metrics/record-metrics.command';
import { EnvironmentHealthView, HealthView, ScalingCallbackView, ScalingDecisionView, ScalingPolicyView } from '../../application/health.views';
import { CHECK_STATUSES, CheckStatus, HEALTH_STATUSES, HealthStatus } from '../../domain/health-status';
import { SCALING_METRICS, ScalingMetric } from '../../domain/scaling';
import { DecisionState } from '../../domain/scaling-policy.aggregate';

/** Each response class implements its view, so the document cannot leave out or mistype a field the API answers with. */
export class CheckDto implements NonNullable<HealthView['lastChecks'][number]> {
  @ApiProperty({ enum: CHECK_STATUSES }) status: CheckStatus;
  @ApiProperty({ format: 'date-time' }) observedAt: string;
  @ApiPropertyOptional({ type: Number, nullable: true }) latencyMs: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) errorRate: number | null;
  @ApiProperty({ enum: ['agent', 'data-plane'] }) source: 'agent' | 'data-plane';
}

export class ServiceHealthDto implements HealthView {
  @ApiProperty({ example: 'checkout' }) service: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The revision; null for the service as a whole' }) revision: string | null;
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status: HealthStatus;
  @ApiProperty({ format: 'date-time', description: 'Since when it has this status' }) since: string;
  @ApiProperty({ example: '2 consecutive passing checks (successThreshold 2)', description: 'Why' }) reason: string;
  @ApiProperty({ type: 'integer' }) consecutiveFailures: number;
  @ApiProperty({ type: [CheckDto], description: 'The last ten checks, oldest first' }) lastChecks: CheckDto[];
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastReportAt: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class EnvironmentHealthResponse implements EnvironmentHealthView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ type: [ServiceHealthDto] }) services: ServiceHealthDto[];
}

class ChangedHealthDto {
  @ApiProperty() service: string;
  @ApiPropertyOptional({ type: String, nullable: true }) revision: string | null;
  @ApiProperty({ enum: HEALTH_STATUSES }) status: string;
}

export class HealthReportResponse implements HealthReportResult {
  @ApiProperty({ type: 'integer', description: 'Checks taken (older than a service\'s last check: ignored)' }) taken: number;
  @ApiProperty({ type: [ChangedHealthDto], description: 'Services whose status changed' }) changed: ChangedHealthDto[];
}

class MetricsDecisionDto {
  @ApiProperty() service: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) decisionId: string | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) currentReplicas: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) desiredReplicas: number | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['pending', 'held'] }) state: string | null;
  @ApiProperty({ description: 'Why this decision, or why none' }) reason: string;
}

export class MetricsReportResponse implements MetricsResult {
  @ApiProperty({ type: [MetricsDecisionDto] }) services: MetricsDecisionDto[];
}

class TargetDto {
  @ApiProperty({ enum: SCALING_METRICS }) metric: ScalingMetric;
  @ApiProperty({ type: 'number' }) value: number;
}

class DirectionResponseDto {
  @ApiProperty({ type: 'integer' }) stabilizationSeconds: number;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) maxStep: number | null;
}

class PolicyPropsDto {
  @ApiProperty({ type: 'integer' }) minReplicas: number;
  @ApiProperty({ type: 'integer' }) maxReplicas: number;
  @ApiProperty({ type: [TargetDto] }) targets: TargetDto[];
  @ApiProperty({ type: DirectionResponseDto }) scaleUp: DirectionResponseDto;
  @ApiProperty({ type: DirectionResponseDto }) scaleDown: DirectionResponseDto;
  @ApiProperty({ type: 'number' }) tolerance: number;
  @ApiProperty() scaleUpWhenUnhealthy: boolean;
}

export class ScalingPolicyResponse implements ScalingPolicyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() projectId: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ example: 'checkout' }) service: string;
  @ApiProperty({ type: PolicyPropsDto, description: 'With the HPA defaults filled in where the request left a value out' }) policy: PolicyPropsDto;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The decision being applied; no other is made meanwhile' }) pendingDecisionId: string | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) lastScaledTo: number | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastScaledAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: 'integer', description: 'Optimistic concurrency version; also the ETag' }) version: number;
}

export class SetScalingPolicyResponse extends ScalingPolicyResponse implements ScalingPolicyView {
  @ApiProperty({ description: 'true when this call created the policy' }) created: boolean;
}

class ObservedDto {
  @ApiPropertyOptional({ type: 'number' }) cpu?: number;
  @ApiPropertyOptional({ type: 'number' }) rps?: number;
  @ApiPropertyOptional({ type: 'number' }) p95LatencyMs?: number;
  @ApiPropertyOptional({ type: 'number' }) errorRate?: number;
}

export class ScalingDecisionResponse implements ScalingDecisionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'checkout' }) service: string;
  @ApiProperty({ format: 'date-time' }) madeAt: string;
  @ApiProperty({ type: 'integer' }) currentReplicas: number;
  @ApiProperty({ type: 'integer', description: 'What the formula asked for, before windows, steps and caps' }) recommendedReplicas: number;
  @ApiProperty({ type: 'integer' }) desiredReplicas: number;
  @ApiProperty({ type: ObservedDto, description: 'The metrics it was made from' }) observed: ObservedDto;
  @ApiProperty({ enum: HEALTH_STATUSES }) health: HealthStatus;
  @ApiProperty({ type: [String], example: ['cpu 100 vs target 50 (ratio 2): 8 replicas'] }) reasons: string[];
  @ApiPropertyOptional({ type: String, nullable: true, example: 'maxReplicasPerService', description: 'The bound that held it back (a quota, health, maxReplicas, minReplicas)' }) cappedBy: string | null;
  @ApiProperty({ enum: ['pending', 'applied', 'failed', 'held'] }) state: DecisionState;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The scale operation sent to the data plane' }) operationId: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) failureReason: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) completedAt: string | null;
}

export class ScalingDecisionPageResponse extends PageOf(ScalingDecisionResponse) implements Page<ScalingDecisionView> {}

export class ScalingCallbackResponse implements ScalingCallbackView {
  @ApiProperty({ format: 'uuid' }) operationId: string;
  @ApiProperty({ example: true, description: 'False for progress, replays, and operations no longer awaited' }) applied: boolean;
  @ApiPropertyOptional({ example: 'progress noted; the operation completes with succeeded or failed' }) reason?: string;
}
