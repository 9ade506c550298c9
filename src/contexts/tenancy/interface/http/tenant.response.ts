import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page } from '@rcp/http';
import { QuotaUse, TenantUsageView } from '../../application/queries/get-tenant-usage/get-tenant-usage.query';
import { TenantView } from '../../application/tenant.view';
import { IsolationMode, Placement } from '../../domain/placement';
import { QuotasProps } from '../../domain/quotas.value-object';
import { TenantState } from '../../domain/runtime-tenant-binding.aggregate';
import { QuotasDto } from './tenant.request';

/** Each response class implements its view, so the document cannot leave out or mistype a field the API answers with. */
export class PlacementDto implements Placement {
  @ApiProperty({ enum: ['dedicated', 'pool', 'shared'], example: 'pool' }) model: Placement['model'];
  @ApiProperty({ example: 'pool-2' }) cluster: string;
  @ApiProperty({ example: 'acme-' }) namespacePrefix: string;
  @ApiProperty({ example: 'pool-2/tenant_acme' }) dataStore: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'rcp.dev/tenant': 'acme', 'rcp.dev/isolation': 'pooled' } }) labels: Record<string, string>;
}

export class TenantResponse implements TenantView {
  @ApiProperty({ example: 'acme' }) id: string;
  @ApiProperty({ example: 'Acme Corporation' }) displayName: string;
  @ApiProperty({ enum: ['shared', 'pooled', 'siloed'], example: 'pooled', description: 'shared → placement model shared, pooled → pool, siloed → dedicated' }) isolationMode: IsolationMode;
  @ApiProperty({ type: PlacementDto }) placement: PlacementDto;
  @ApiProperty({ type: QuotasDto }) quotas: QuotasDto;
  @ApiProperty({ enum: ['active', 'suspended', 'offboarded'], example: 'active' }) state: TenantState;
  @ApiProperty({ example: false, description: 'Current usage exceeds a quota (after a quota was lowered); new growth is blocked' }) overQuota: boolean;
  @ApiProperty({ type: 'integer', example: 1, description: 'Optimistic concurrency version; also the ETag' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) suspendedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) offboardedAt: string | null;
}

export class TenantPageResponse implements Page<TenantView> {
  @ApiProperty({ type: [TenantResponse] }) items: TenantResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class QuotaUseDto implements QuotaUse {
  @ApiProperty({ type: 'integer', example: 3 }) used: number;
  @ApiProperty({ type: 'integer', example: 10 }) limit: number;
}

export class TenantUsageResponse implements TenantUsageView {
  @ApiProperty({ example: 'acme' }) tenantId: string;
  @ApiProperty({ type: QuotaUseDto }) environments: QuotaUseDto;
  @ApiProperty({ type: QuotaUseDto, description: 'The most services in any one environment' }) servicesPerEnvironment: QuotaUseDto;
  @ApiProperty({ type: QuotaUseDto, description: 'The most replicas of any one service' }) replicasPerService: QuotaUseDto;
  @ApiProperty({ type: QuotaUseDto }) totalReplicas: QuotaUseDto;
  @ApiProperty({ example: false, description: 'Some usage exceeds its quota (listed in `exceeded`)' }) overQuota: boolean;
  @ApiProperty({ type: [String], example: [], description: 'The quotas exceeded, e.g. `maxEnvironments`' }) exceeded: (keyof QuotasProps)[];
}
