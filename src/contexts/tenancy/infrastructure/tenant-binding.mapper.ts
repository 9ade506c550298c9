import { DomainEvent } from '@rcp/ddd';
import { IntegrationEvent } from '@rcp/messaging';
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
import {
  TenantIsolationChanged,
  TenantOffboarded,
  TenantOnboarded,
  TenantQuotasChanged,
  TenantReactivated,
  TenantRenamed,
  TenantSuspended,
} from '../domain/tenancy.domain-events';
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
  toIntegrationEvents(events: DomainEvent[]): IntegrationEvent[] {
    return events.map((e) => {
      const tenantId = e.aggregateId;
      if (e instanceof TenantOnboarded) return new TenantOnboardedV1({ tenantId, ...e.payload });
      if (e instanceof TenantRenamed) return new TenantRenamedV1({ tenantId, displayName: e.payload.displayName });
      if (e instanceof TenantQuotasChanged) return new TenantQuotasChangedV1({ tenantId, ...e.payload });
      if (e instanceof TenantIsolationChanged) return new TenantIsolationChangedV1({ tenantId, ...e.payload });
      if (e instanceof TenantSuspended) return new TenantSuspendedV1({ tenantId, reason: e.payload.reason });
      if (e instanceof TenantReactivated) return new TenantReactivatedV1({ tenantId, reason: e.payload.reason });
      if (e instanceof TenantOffboarded) return new TenantOffboardedV1({ tenantId, reason: e.payload.reason });
      throw new Error(`No integration event for ${e.name}`);
    });
  },
};
