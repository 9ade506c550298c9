import { publishing } from '@rcp/messaging';
import {
  TenantIsolationChangedV1,
  TenantOffboardedV1,
  TenantOnboardedV1,
  TenantQuotasChangedV1,
  TenantReactivatedV1,
  TenantRenamedV1,
  TenantSuspendedV1,
} from '../contracts';
import { IsolationMode, Placement } from '../domain/placement';
import { QuotasProps } from '../domain/quotas.value-object';
import { RuntimeTenantBinding, TenantState } from '../domain/runtime-tenant-binding.aggregate';
import { TenantEvent } from '../domain/tenancy.domain-events';
import { TenantBindingOrmEntity } from './tenant-binding.orm-entity';

/** Explicit mapping between the aggregate, its table row and its published events. */
export const TenantBindingMapper = {
  toDomain(row: TenantBindingOrmEntity): RuntimeTenantBinding {
    return RuntimeTenantBinding.rehydrate({
      id: row.id,
      displayName: row.displayName,
      isolationMode: row.isolationMode as IsolationMode,
      placement: row.placement as Placement,
      quotas: row.quotas as QuotasProps,
      state: row.state as TenantState,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      suspendedAt: row.suspendedAt,
      offboardedAt: row.offboardedAt,
    });
  },

  toRow(binding: RuntimeTenantBinding): Omit<TenantBindingOrmEntity, 'version'> {
    const s = binding.snapshot();
    return {
      id: s.id,
      tenantId: s.id,
      displayName: s.displayName,
      isolationMode: s.isolationMode,
      placement: s.placement,
      quotas: s.quotas,
      state: s.state,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      suspendedAt: s.suspendedAt,
      offboardedAt: s.offboardedAt,
    };
  },

  /** Domain events → the published, versioned integration events of `contracts/`. */
  toIntegrationEvents: publishing<TenantEvent>({
    TenantOnboarded: (e) => new TenantOnboardedV1({ tenantId: e.aggregateId, ...e.payload }),
    TenantRenamed: (e) => new TenantRenamedV1({ tenantId: e.aggregateId, displayName: e.payload.displayName }),
    TenantQuotasChanged: (e) => new TenantQuotasChangedV1({ tenantId: e.aggregateId, ...e.payload }),
    TenantIsolationChanged: (e) => new TenantIsolationChangedV1({ tenantId: e.aggregateId, ...e.payload }),
    TenantSuspended: (e) => new TenantSuspendedV1({ tenantId: e.aggregateId, reason: e.payload.reason }),
    TenantReactivated: (e) => new TenantReactivatedV1({ tenantId: e.aggregateId, reason: e.payload.reason }),
    TenantOffboarded: (e) => new TenantOffboardedV1({ tenantId: e.aggregateId, reason: e.payload.reason }),
  }),
};
