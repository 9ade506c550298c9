import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { CHECK_STATUSES, CheckStatus } from '../../domain/health-status';
import { SCALING_METRICS, ScalingMetric } from '../../domain/scaling';

const SERVICE_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const serviceMessage = { message: 'must be a DNS label (lower-case letters, digits and dashes, 1-63 characters)' };
const MAX_SERVICES = 200;

export class HealthCheckDto {
  @ApiProperty({ example: 'checkout', pattern: SERVICE_PATTERN.source })
  @IsString() @Matches(SERVICE_PATTERN, serviceMessage)
  service: string;

  @ApiPropertyOptional({ example: 'checkout-7', maxLength: 128, description: 'The revision checked; absent = the service as a whole' })
  @IsOptional() @IsString() @MaxLength(128) @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
  revision?: string;

  @ApiProperty({ enum: CHECK_STATUSES, example: 'pass' })
  @IsIn(CHECK_STATUSES)
  status: CheckStatus;

  @ApiPropertyOptional({ type: 'number', minimum: 0, example: 42 })
  @IsOptional() @IsNumber() @Min(0) @Max(3_600_000)
  latencyMs?: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, example: 0.002 })
  @IsOptional() @IsNumber() @Min(0) @Max(1)
  errorRate?: number;
}

export class HealthReportRequest {
  @ApiProperty({ format: 'date-time', example: '2026-12-03T10:30:00Z', description: 'When the agent ran the checks; more than 30 s in the future is refused, older than the last check of a service is ignored' })
  @IsISO8601({ strict: true })
  observedAt: string;

  @ApiProperty({ type: [HealthCheckDto], maxItems: MAX_SERVICES })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_SERVICES) @ValidateNested({ each: true }) @Type(() => HealthCheckDto)
  checks: HealthCheckDto[];
}

export class ServiceMetricsDto {
  @ApiProperty({ example: 'checkout', pattern: SERVICE_PATTERN.source })
  @IsString() @Matches(SERVICE_PATTERN, serviceMessage)
  service: string;

  @ApiPropertyOptional({ type: 'number', minimum: 0, example: 72.5, description: 'Mean CPU use of its replicas, %' })
  @IsOptional() @IsNumber() @Min(0) @Max(100_000)
  cpu?: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0, example: 240, description: 'Requests per second' })
  @IsOptional() @IsNumber() @Min(0)
  rps?: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0, example: 180 })
  @IsOptional() @IsNumber() @Min(0)
  p95LatencyMs?: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, example: 0.01 })
  @IsOptional() @IsNumber() @Min(0) @Max(1)
  errorRate?: number;
}

export class MetricsReportRequest {
  @ApiProperty({ format: 'date-time', example: '2026-12-03T10:30:00Z' })
  @IsISO8601({ strict: true })
  observedAt: string;

  @ApiProperty({ type: [ServiceMetricsDto], maxItems: MAX_SERVICES })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_SERVICES) @ValidateNested({ each: true }) @Type(() => ServiceMetricsDto)
  services: ServiceMetricsDto[];
}

export class ScalingTargetDto {
  @ApiProperty({ enum: SCALING_METRICS, example: 'cpu' })
  @IsIn(SCALING_METRICS)
  metric: ScalingMetric;

  @ApiProperty({ type: 'number', exclusiveMinimum: true, minimum: 0, example: 60, description: 'Per replica: cpu %, rps, p95 latency ms, or error rate (0-1)' })
  @IsNumber()
  value: number;
}

export class DirectionDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 3600, description: 'Stabilization window (HPA defaults: 0 s up, 300 s down)' })
  @IsOptional() @IsInt() @Min(0) @Max(3600)
  stabilizationSeconds?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Most replicas one decision adds (or removes); absent = no limit' })
  @IsOptional() @IsInt() @Min(1)
  maxStep?: number;
}

export class ScalingPolicyRequest {
  @ApiProperty({ type: 'integer', minimum: 0, example: 2 })
  @IsInt() @Min(0)
  minReplicas: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1000, example: 10 })
  @IsInt() @Min(1) @Max(1000)
  maxReplicas: number;

  @ApiProperty({ type: [ScalingTargetDto], description: 'The most demanding target decides' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @ValidateNested({ each: true }) @Type(() => ScalingTargetDto)
  targets: ScalingTargetDto[];

  @ApiPropertyOptional({ type: DirectionDto })
  @IsOptional() @ValidateNested() @Type(() => DirectionDto)
  scaleUp?: DirectionDto;

  @ApiPropertyOptional({ type: DirectionDto })
  @IsOptional() @ValidateNested() @Type(() => DirectionDto)
  scaleDown?: DirectionDto;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 0.99, default: 0.1, description: 'A ratio within this of 1 scales nothing (HPA: 0.1)' })
  @IsOptional() @IsNumber() @Min(0) @Max(0.99)
  tolerance?: number;

  @ApiPropertyOptional({ default: false, description: 'Scale an unhealthy service up beyond its current replicas' })
  @IsOptional() @IsBoolean()
  scaleUpWhenUnhealthy?: boolean;
}

export class ListScalingDecisionsRequest extends PageQuery {
  @ApiPropertyOptional({ example: 'checkout' })
  @IsOptional() @IsString() @Matches(SERVICE_PATTERN, serviceMessage)
  service?: string;
}

export const SERVICE_PARAM_PATTERN = SERVICE_PATTERN;
