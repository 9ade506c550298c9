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
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantEvent } from '../domain/tenancy.domain-events';
import { TenantBindingOrmEntity } from './tenant-binding.orm-entity';

/** Mapping between the aggregate, its table row (the snapshot's fields as they are, plus `tenantId`) and its published events. */
export const TenantBindingMapper = {
  toDomain({ tenantId: _rlsColumn, ...snapshot }: TenantBindingOrmEntity): RuntimeTenantBinding {
    return RuntimeTenantBinding.rehydrate(snapshot);
  },

  toRow(binding: RuntimeTenantBinding): Omit<TenantBindingOrmEntity, 'version'> {
    const s = binding.snapshot();
    return { ...s, tenantId: s.id };
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
