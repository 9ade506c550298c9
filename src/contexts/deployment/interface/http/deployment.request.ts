import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { HealthGate } from '../../domain/health-gate';
import { RolloutStrategy } from '../../domain/rollout-strategy';

const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BINDING = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const STATES = ['pending', 'progressing', 'paused', 'verifying', 'succeeded', 'rolling_back', 'rolled_back', 'failed', 'aborted'];

export const STRATEGY_SCHEMA = {
  type: 'object' as const,
  additionalProperties: true,
  description:
    '`{ type: rolling, maxSurge, maxUnavailable }` · `{ type: blue-green, autoPromote, previewSeconds }` · `{ type: canary, steps: [{ setWeight } | { pause: { seconds? } }] }` ' +
    '(weights increase, 1–100; a pause lasts at most a day, or until promoted without seconds)',
  example: { type: 'canary', steps: [{ setWeight: 20 }, { pause: { seconds: 60 } }, { setWeight: 50 }, { pause: {} }] },
};
export const HEALTH_GATE_SCHEMA = {
  type: 'object' as const,
  additionalProperties: true,
  description: '`{ minHealthySeconds, maxErrorRate (0–1 or null), maxP95LatencyMs (or null), timeoutSeconds ≥ minHealthySeconds }`',
  example: { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: 500, timeoutSeconds: 300 },
};

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
