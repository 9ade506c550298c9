import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { FINDING_STATES, FindingState } from '../../domain/drift-finding.aggregate';
import { MAX_DESIRED_SERVICES } from '../../domain/desired-state';
import { DRIFT_KINDS, DriftKind } from '../../domain/reconciliation';
import { REMEDIATION_ACTIONS, RemediationAction, RemediationMode, Weekday } from '../../domain/remediation-policy';

const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class DesiredSourceDto {
  @ApiProperty({ example: 'https://git.example.com/acme/platform-config.git', maxLength: 512 })
  @IsString() @MaxLength(512)
  repository: string;

  @ApiProperty({ example: '3f9c2a7b1e4d5f60718293a4b5c6d7e8f9012345', description: 'The commit: 7 to 64 lowercase hex digits (not a branch or tag name)' })
  @IsString() @MaxLength(64)
  revision: string;

  @ApiProperty({ example: 'environments/production', maxLength: 512, description: 'Path in the repository (relative, no "..")' })
  @IsString() @MaxLength(512)
  path: string;
}

export class DesiredServiceDto {
  @ApiProperty({ example: 'checkout', pattern: SERVICE.source })
  @IsString()
  name: string;

  @ApiProperty({ example: 'registry.example.com/acme/checkout:1.4.2', description: 'repository:tag or repository@sha256:<64 hex>; no implicit latest' })
  @IsString() @MaxLength(512)
  image: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  @IsInt()
  replicas: number;

  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'sha256 of the configuration version Git pins; absent or null: not compared' })
  @IsOptional() @IsString()
  configChecksum?: string | null;
}

export class DesiredStateRequest {
  @ApiProperty({ type: DesiredSourceDto })
  @ValidateNested() @Type(() => DesiredSourceDto)
  source: DesiredSourceDto;

  @ApiProperty({ type: [DesiredServiceDto], maxItems: MAX_DESIRED_SERVICES })
  @IsArray() @ArrayMaxSize(MAX_DESIRED_SERVICES) @ValidateNested({ each: true }) @Type(() => DesiredServiceDto)
  services: DesiredServiceDto[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the pipeline read the commit (default: now): orders the snapshots of one repository' })
  @IsOptional() @IsISO8601({ strict: true })
  observedAt?: string;
}

export class RemediationWindowDto {
  @ApiProperty({ type: [String], enum: DAYS, example: ['mon', 'tue', 'wed', 'thu'] })
  @IsArray() @IsIn(DAYS, { each: true })
  days: Weekday[];

  @ApiProperty({ example: '22:00', description: 'HH:MM UTC' })
  @IsString()
  start: string;

  @ApiProperty({ example: '04:00', description: 'HH:MM UTC; before the start: the window runs past midnight' })
  @IsString()
  end: string;
}

export class RemediationPolicyRequest {
  @ApiProperty({ enum: ['manual', 'auto'] })
  @IsIn(['manual', 'auto'])
  mode: RemediationMode;

  @ApiPropertyOptional({ type: [String], enum: REMEDIATION_ACTIONS, description: 'Actions auto-remediation may take (default all three)' })
  @IsOptional() @IsArray() @IsIn(REMEDIATION_ACTIONS, { each: true })
  allow?: RemediationAction[];

  @ApiPropertyOptional({ type: [RemediationWindowDto], description: 'When auto-remediation may run (UTC); none: any time' })
  @IsOptional() @IsArray() @ArrayMaxSize(28) @ValidateNested({ each: true }) @Type(() => RemediationWindowDto)
  windows?: RemediationWindowDto[];

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 10, maximum: 86400, description: 'This environment\'s scheduled reconciliation interval (default DRIFT_RECONCILE_INTERVAL_SECONDS)' })
  @IsOptional() @IsInt()
  reconcileIntervalSeconds?: number | null;
}

export class RemediateFindingRequest {
  @ApiPropertyOptional({ enum: REMEDIATION_ACTIONS, description: 'Default: what drift chooses (reapply the last succeeded release when Git declares it, rollback to an earlier one it declares, else redeploy the declared image)' })
  @IsOptional() @IsIn(REMEDIATION_ACTIONS)
  action?: RemediationAction;
}

export class SuppressFindingRequest {
  @ApiProperty({ example: 'hotfix running until the next release', maxLength: 500 })
  @IsString() @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the suppression ends (absent: until lifted by the divergence going away)' })
  @IsOptional() @IsISO8601({ strict: true })
  until?: string;
}

export class ListDriftFindingsRequest extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  environmentId?: string;

  @ApiPropertyOptional({ enum: FINDING_STATES })
  @IsOptional() @IsIn(FINDING_STATES)
  state?: FindingState;

  @ApiPropertyOptional({ example: 'checkout' })
  @IsOptional() @IsString() @Matches(SERVICE)
  service?: string;

  @ApiPropertyOptional({ enum: DRIFT_KINDS })
  @IsOptional() @IsIn(DRIFT_KINDS)
  kind?: DriftKind;
}
