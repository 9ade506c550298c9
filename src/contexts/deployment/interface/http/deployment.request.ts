import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { HealthGate } from '../../domain/health-gate';
import { RolloutStrategy } from '../../domain/rollout-strategy';

const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BINDING = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const STATES = ['pending', 'progressing', 'paused', 'verifying', 'succeeded', 'rolling_back', 'rolled_back', 'failed', 'aborted'];

/** `{ type: rolling, maxSurge, maxUnavailable }` */
export class RollingStrategyDto {
  @ApiProperty({ enum: ['rolling'] }) type: 'rolling';
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 1000, description: 'Replicas above the desired count while the rollout runs' }) maxSurge: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 1000, description: 'Replicas below the desired count that may be unavailable (not both 0)' }) maxUnavailable: number;
}

/** `{ type: blue-green, autoPromote, previewSeconds }` */
export class BlueGreenStrategyDto {
  @ApiProperty({ enum: ['blue-green'] }) type: 'blue-green';
  @ApiProperty({ description: 'Switch the traffic by itself once the preview has been healthy for previewSeconds; otherwise wait for promote' }) autoPromote: boolean;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 86400 }) previewSeconds: number;
}

export class CanarySetWeightStepDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, description: 'Traffic to the new revision, %; weights increase' }) setWeight: number;
}

export class CanaryPauseDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 86400, description: 'Absent: until promoted' }) seconds?: number;
}

export class CanaryPauseStepDto {
  @ApiProperty({ type: CanaryPauseDto }) pause: CanaryPauseDto;
}

/** `{ type: canary, steps: [{ setWeight } | { pause: { seconds? } }] }` */
export class CanaryStrategyDto {
  @ApiProperty({ enum: ['canary'] }) type: 'canary';
  @ApiProperty({
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: { oneOf: [{ $ref: getSchemaPath(CanarySetWeightStepDto) }, { $ref: getSchemaPath(CanaryPauseStepDto) }] },
    description: 'At least one setWeight step',
  })
  steps: Array<CanarySetWeightStepDto | CanaryPauseStepDto>;
}

/** `{ minHealthySeconds, maxErrorRate, maxP95LatencyMs, timeoutSeconds }`: every field is required (null: not judged). */
export class HealthGateDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 86400, description: 'Healthy without a break for this long' }) minHealthySeconds: number;
  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, nullable: true, description: 'Highest error rate (a fraction), or null to not judge it' }) maxErrorRate: number | null;
  @ApiProperty({ type: 'integer', minimum: 1, nullable: true, description: 'Highest p95 latency in ms, or null to not judge it' }) maxP95LatencyMs: number | null;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 86400, description: 'An evaluation still inconclusive this long after its step started fails (at least minHealthySeconds)' }) timeoutSeconds: number;
}

/** The schema classes {@link STRATEGY_SCHEMA} and {@link HEALTH_GATE_SCHEMA} refer to (registered with `@ApiExtraModels`). */
export const DEPLOYMENT_SCHEMA_MODELS = [RollingStrategyDto, BlueGreenStrategyDto, CanaryStrategyDto, CanarySetWeightStepDto, CanaryPauseStepDto, CanaryPauseDto, HealthGateDto];

export const STRATEGY_SCHEMA = {
  oneOf: [{ $ref: getSchemaPath(RollingStrategyDto) }, { $ref: getSchemaPath(BlueGreenStrategyDto) }, { $ref: getSchemaPath(CanaryStrategyDto) }],
  description:
    '`{ type: rolling, maxSurge, maxUnavailable }` · `{ type: blue-green, autoPromote, previewSeconds }` · `{ type: canary, steps: [{ setWeight } | { pause: { seconds? } }] }` ' +
    '(weights increase, 1–100; a pause lasts at most a day, or until promoted without seconds)',
  example: { type: 'canary', steps: [{ setWeight: 20 }, { pause: { seconds: 60 } }, { setWeight: 50 }, { pause: {} }] },
};
export const HEALTH_GATE_SCHEMA = {
  type: HealthGateDto,
  description: '`{ minHealthySeconds, maxErrorRate (0–1 or null), maxP95LatencyMs (or null), timeoutSeconds ≥ minHealthySeconds }`',
  example: { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: 500, timeoutSeconds: 300 },
};

@ApiExtraModels(...DEPLOYMENT_SCHEMA_MODELS)
export class CreateDeploymentRequest {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  environmentId: string;

  @ApiProperty({ example: 'checkout', description: 'Service name, a DNS label' })
  @IsString() @Matches(SERVICE, { message: 'must be a DNS label' })
  service: string;

  @ApiProperty({ example: 'registry.example.com/acme/checkout:1.4.2', description: 'repository:tag or repository@sha256:<64 hex> (or both); no implicit latest' })
  @IsString() @MaxLength(512)
  image: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'A published configuration version of the service in the environment' })
  @IsInt() @Min(1)
  configVersion: number;

  @ApiProperty({ type: [String], example: ['DB_PASSWORD'], description: 'Names of secret bindings of the environment; each must be resolvable' })
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(BINDING, { each: true, message: 'each binding name is a letter or _ then letters, digits, _ . -' })
  secretBindings: string[];

  @ApiProperty(STRATEGY_SCHEMA)
  @IsObject()
  strategy: RolloutStrategy;

  @ApiProperty(HEALTH_GATE_SCHEMA)
  @IsObject()
  healthGate: HealthGate;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, description: 'Default: the replicas running now, or 1 for a first deployment' })
  @IsOptional() @IsInt() @Min(1) @Max(1000)
  replicas?: number;
}

export class ListDeploymentsRequest extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  environmentId?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Matches(SERVICE, { message: 'must be a DNS label' })
  service?: string;

  @ApiPropertyOptional({ enum: STATES })
  @IsOptional() @IsIn(STATES)
  state?: string;
}

export class ChangeDeploymentRequest {
  @ApiPropertyOptional({ maxLength: 200, description: 'Why, for the timeline and the audit log' })
  @IsOptional() @IsString() @MaxLength(200)
  reason?: string;
}

export class RollbackDeploymentRequest extends ChangeDeploymentRequest {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'For a finished deployment: the succeeded revision to deploy again (default: the one before it)' })
  @IsOptional() @IsInt() @Min(1)
  toRevision?: number;
}
