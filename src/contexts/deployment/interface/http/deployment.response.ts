import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { DeploymentView } from '../../application/deployment.views';
import { HealthGate } from '../../domain/health-gate';
import { DeploymentReason, DeploymentState } from '../../domain/runtime-deployment.aggregate';
import { RolloutStrategy, StepAction } from '../../domain/rollout-strategy';
import { HEALTH_GATE_SCHEMA, STRATEGY_SCHEMA } from './deployment.request';

class ReleaseDto {
  @ApiProperty({ type: 'integer' }) revision: number;
  @ApiProperty() image: string;
  @ApiProperty({ type: 'integer' }) configVersion: number;
  @ApiProperty({ description: 'sha256 of the configuration version' }) configChecksum: string;
  @ApiProperty({ type: [String] }) secretBindings: string[];
  @ApiPropertyOptional({ type: 'integer' }) replicas?: number;
}

class StepDto {
  @ApiProperty({ type: 'integer' }) index: number;
  @ApiProperty({ enum: ['apply', 'set-weight', 'pause', 'promote', 'scale-down-old'] }) action: StepAction;
  @ApiProperty({ type: 'integer', description: 'Traffic to the new revision after the step, %' }) weight: number;
  @ApiProperty({ type: 'integer' }) newReplicas: number;
  @ApiProperty({ type: 'integer' }) oldReplicas: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'A pause: its seconds (null: until promoted)' }) pauseSeconds: number | null;
  @ApiProperty({ description: 'The health gate is judged after it' }) verify: boolean;
}

class GateInputsDto {
  @ApiProperty({ enum: ['unknown', 'healthy', 'degraded', 'unhealthy', 'no source'] }) health: 'unknown' | 'healthy' | 'degraded' | 'unhealthy' | 'no source';
  @ApiProperty({ type: 'integer' }) healthySeconds: number;
  @ApiProperty({ type: 'integer', description: 'Metric readings of the new revision in this step' }) samples: number;
  @ApiProperty({ type: 'number', nullable: true }) errorRate: number | null;
  @ApiProperty({ type: 'number', nullable: true }) p95LatencyMs: number | null;
  @ApiProperty({ type: 'integer' }) elapsedSeconds: number;
}

class GateEvaluationDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['pass', 'fail', 'inconclusive'] }) outcome: 'pass' | 'fail' | 'inconclusive';
  @ApiProperty({ type: [String] }) reasons: string[];
  @ApiProperty({ type: GateInputsDto }) inputs: GateInputsDto;
}

class TimelineEntryDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['pending', 'progressing', 'paused', 'verifying', 'succeeded', 'rolling_back', 'rolled_back', 'failed', 'aborted'] }) state: DeploymentState;
  @ApiProperty({ type: 'integer', nullable: true }) step: number | null;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: GateEvaluationDto, description: 'A judgement of the health gate, with the numbers it judged' }) evaluation?: GateEvaluationDto;
}

class CauseDto {
  @ApiProperty() findingId: string;
}

/** Each response class implements its view, so the document cannot leave out or mistype a field. */
export class DeploymentResponse implements DeploymentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() projectId: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty() service: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) revision: number;
  @ApiProperty({ type: ReleaseDto, description: 'What this deployment runs: image, configuration version and secret bindings, restored together by a rollback' }) release: ReleaseDto;
  @ApiProperty({ type: ReleaseDto, nullable: true, description: 'The last succeeded release when it was created: where a rollback goes' }) previous: ReleaseDto | null;
  @ApiProperty({ type: 'integer' }) replicas: number;
  @ApiProperty(STRATEGY_SCHEMA) strategy: RolloutStrategy;
  @ApiProperty(HEALTH_GATE_SCHEMA) healthGate: HealthGate;
  @ApiProperty({ type: [StepDto] }) plan: StepDto[];
  @ApiProperty({ enum: ['pending', 'progressing', 'paused', 'verifying', 'succeeded', 'rolling_back', 'rolled_back', 'failed', 'aborted'] }) state: DeploymentState;
  @ApiProperty({ type: 'integer' }) currentStep: number;
  @ApiProperty({ type: 'integer', description: 'Traffic to the new revision at the current step, %' }) weight: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'A timed pause ends then' }) pausedUntil: string | null;
  @ApiProperty({ enum: ['deploy', 'rollback', 'drift-remediation'] }) reason: DeploymentReason;
  @ApiProperty({ type: CauseDto, nullable: true }) cause: CauseDto | null;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: [TimelineEntryDto], description: 'Every step, every judgement of the gate with its inputs, and why the deployment moved' }) timeline: TimelineEntryDto[];
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Also the ETag' }) version: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'The job handing the current step to the executor, when one was just queued' }) jobId?: string;
}

export class DeploymentPageResponse extends PageOf(DeploymentResponse) implements Page<DeploymentView> {}
