import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { PageQuery } from '@rcp/http';
import { ENVIRONMENT_NAME_PATTERN, ENVIRONMENT_TYPES, EnvironmentType, REGION_PATTERN } from '../../domain/environment-name.value-object';
import { LABEL_KEY_PATTERN, LABEL_SIMULATE_FAILURE, LABEL_SIMULATE_LATENCY_MS, LABEL_VALUE_PATTERN, MAX_LABELS } from '../../domain/labels.value-object';
import { PROJECT_ID_PATTERN } from '../../domain/project-id.value-object';
import { ENVIRONMENT_STATES, EnvironmentState } from '../../domain/runtime-environment.aggregate';
import { MAX_SERVICES_PER_REPORT } from '../../domain/runtime-service-inventory.aggregate';
import { MAX_CHECKSUM_LENGTH, MAX_IMAGE_LENGTH, MAX_REPLICAS_REPORTED } from '../../domain/runtime-service.entity';

/** A map of Kubernetes-style labels: at most 32, keys and values shaped like Kubernetes labels. */
export function IsLabelMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isLabelMap',
      validator: {
        validate: (v: unknown) =>
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          Object.keys(v).length <= MAX_LABELS &&
          Object.entries(v).every(([k, val]) => k.length <= 317 && LABEL_KEY_PATTERN.test(k) && typeof val === 'string' && LABEL_VALUE_PATTERN.test(val)),
        defaultMessage: () =>
          `must be an object of at most ${MAX_LABELS} labels; keys like "team" or "example.com/team", values of up to 63 characters, alphanumeric at both ends`,
      },
    },
    options,
  );
}

export class RequestEnvironmentRequest {
  @ApiProperty({ description: 'DNS label, unique per project among live environments', pattern: ENVIRONMENT_NAME_PATTERN.source, maxLength: 63, example: 'web-staging' })
  @IsString() @Matches(ENVIRONMENT_NAME_PATTERN, { message: 'must be a DNS label (lower-case letters, digits and dashes, 1-63 characters)' })
  name: string;

  @ApiProperty({ description: 'The project the environment belongs to', pattern: PROJECT_ID_PATTERN.source, example: 'web' })
  @IsString() @Matches(PROJECT_ID_PATTERN, { message: 'must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  projectId: string;

  @ApiProperty({ enum: ENVIRONMENT_TYPES, example: 'staging' })
  @IsIn(ENVIRONMENT_TYPES)
  type: EnvironmentType;

  @ApiProperty({ pattern: REGION_PATTERN.source, example: 'eu-west-1' })
  @IsString() @Matches(REGION_PATTERN, { message: 'must match ^[a-z][a-z0-9-]{1,62}$' })
  region: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 63 },
    maxProperties: MAX_LABELS,
    example: { team: 'payments', 'example.com/cost-center': 'cc-42' },
    description:
      `Up to ${MAX_LABELS} Kubernetes-style labels, handed to the provisioner. With the simulated provisioner, ` +
      `\`${LABEL_SIMULATE_FAILURE}\` = provision | decommission | all | provision-once | provision-until-retry injects failures and ` +
      `\`${LABEL_SIMULATE_LATENCY_MS}\` sets this environment's latency.`,
  })
  @IsOptional() @IsLabelMap()
  labels?: Record<string, string>;
}

export class ListEnvironmentsRequest extends PageQuery {
  @ApiPropertyOptional({ pattern: PROJECT_ID_PATTERN.source, example: 'web' })
  @IsOptional() @IsString() @Matches(PROJECT_ID_PATTERN)
  projectId?: string;

  @ApiPropertyOptional({ enum: ENVIRONMENT_STATES })
  @IsOptional() @IsIn(ENVIRONMENT_STATES)
  state?: EnvironmentState;
}

export class ListServicesRequest {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Also list services that disappeared from the reports' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeRemoved?: boolean;
}

export class ServiceReportDto {
  @ApiProperty({ description: 'Service name, a DNS label', example: 'checkout-api' })
  @IsString() @Matches(ENVIRONMENT_NAME_PATTERN, { message: 'must be a DNS label' })
  name: string;

  @ApiProperty({ maxLength: MAX_IMAGE_LENGTH, example: 'registry.example.com/checkout-api@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  @IsString() @MinLength(1) @MaxLength(MAX_IMAGE_LENGTH)
  image: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REPLICAS_REPORTED, example: 3 })
  @IsInt() @Min(0) @Max(MAX_REPLICAS_REPORTED)
  replicas: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REPLICAS_REPORTED, example: 3 })
  @IsInt() @Min(0) @Max(MAX_REPLICAS_REPORTED)
  readyReplicas: number;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: MAX_CHECKSUM_LENGTH, example: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(MAX_CHECKSUM_LENGTH)
  configChecksum?: string | null;
}

export class ActualStateRequest {
  @ApiProperty({ format: 'date-time', example: '2026-01-15T10:30:00Z', description: 'When the agent observed this state; reports older than the last applied one are ignored' })
  @IsISO8601({ strict: true })
  observedAt: string;

  @ApiProperty({ type: [ServiceReportDto], maxItems: MAX_SERVICES_PER_REPORT, description: 'Every service running in the environment: services missing here are marked removed' })
  @IsArray() @ArrayMaxSize(MAX_SERVICES_PER_REPORT) @ValidateNested({ each: true }) @Type(() => ServiceReportDto)
  services: ServiceReportDto[];
}
