import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { ISOLATION_MODES, IsolationMode } from '../../domain/placement';
import { QUOTA_LIMITS, QuotasProps } from '../../domain/quotas.value-object';

/** One quota: a whole number from 1 to its limit, validated and documented alike. */
const Quota = (name: keyof typeof QUOTA_LIMITS, example: number) =>
  applyDecorators(ApiProperty({ type: 'integer', minimum: 1, maximum: QUOTA_LIMITS[name], example }), IsInt(), Min(1), Max(QUOTA_LIMITS[name]));

export class QuotasDto implements QuotasProps {
  @Quota('maxEnvironments', 10) maxEnvironments: number;
  @Quota('maxServicesPerEnvironment', 25) maxServicesPerEnvironment: number;
  @Quota('maxReplicasPerService', 20) maxReplicasPerService: number;
  @Quota('maxTotalReplicas', 200) maxTotalReplicas: number;
}

export class OnboardTenantRequest {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', example: 'acme' })
  @IsString() @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/)
  id: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Acme Corporation' })
  @IsString() @MinLength(1) @MaxLength(200)
  displayName: string;

  @ApiProperty({ enum: ISOLATION_MODES, example: 'pooled' })
  @IsIn(ISOLATION_MODES)
  isolationMode: IsolationMode;

  @ApiProperty({ type: QuotasDto })
  @IsDefined() @ValidateNested() @Type(() => QuotasDto)
  quotas: QuotasDto;
}

export class UpdateTenantRequest {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Acme Corp' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  displayName?: string;

  @ApiPropertyOptional({ enum: ISOLATION_MODES, description: 'Only while the tenant has no live environments' })
  @IsOptional() @IsIn(ISOLATION_MODES)
  isolationMode?: IsolationMode;

  @ApiPropertyOptional({ type: QuotasDto, description: 'All four quotas; lowering below usage is allowed and reported as overQuota' })
  @IsOptional() @ValidateNested() @Type(() => QuotasDto)
  quotas?: QuotasDto;
}

export class LifecycleRequest {
  @ApiPropertyOptional({ maxLength: 500, example: 'Invoice 2026-11 unpaid' })
  @IsOptional() @IsString() @MaxLength(500)
  reason?: string;
}

export class ListTenantsRequest extends PageQuery {
  @ApiPropertyOptional({ enum: ['active', 'suspended', 'offboarded'] })
  @IsOptional() @IsIn(['active', 'suspended', 'offboarded'])
  state?: 'active' | 'suspended' | 'offboarded';
}
