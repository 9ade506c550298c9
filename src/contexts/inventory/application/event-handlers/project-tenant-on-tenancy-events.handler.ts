import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import {
  TenantIsolationChangedV1,
  TenantOffboardedV1,
  TenantOnboardedV1,
  TenantQuotasChangedV1,
  TenantReactivatedV1,
  TenantSuspendedV1,
} from '../../../tenancy/contracts';
import { TENANTS, TenantRow } from '../read-models/tenant-read-model';

type Change = TenantSuspendedV1 | TenantReactivatedV1 | TenantOffboardedV1 | TenantQuotasChangedV1 | TenantIsolationChangedV1;

/**
 * Keeps inventory's read model of tenants (placement, quotas, lifecycle) from tenancy's published
 * events. The table's version guard makes an event that arrives after a newer one harmless.
 */
@ReadModel({ name: 'inventory.tenants', tables: [TENANTS] })
export class ProjectTenantOnTenancyEventsHandler extends Projection {
  @On(TenantOnboardedV1)
  async onboarded(e: TenantOnboardedV1): Promise<void> {
    const { tenantId, isolationMode, placement, quotas } = e.data;
    await TENANTS.upsert(this.db, { tenantId, state: 'active', isolationMode, placement, quotas }, sourceVersionOf(e));
  }

  @On(TenantQuotasChangedV1)
  quotasChanged(e: TenantQuotasChangedV1): Promise<void> {
    return this.change(e, { quotas: e.data.quotas });
  }

  @On(TenantIsolationChangedV1)
  isolationChanged(e: TenantIsolationChangedV1): Promise<void> {
    return this.change(e, { isolationMode: e.data.isolationMode, placement: e.data.placement });
  }

  @On(TenantSuspendedV1)
  suspended(e: TenantSuspendedV1): Promise<void> {
    return this.change(e, { state: 'suspended' });
  }

  @On(TenantReactivatedV1)
  reactivated(e: TenantReactivatedV1): Promise<void> {
    return this.change(e, { state: 'active' });
  }

  @On(TenantOffboardedV1)
  offboarded(e: TenantOffboardedV1): Promise<void> {
    return this.change(e, { state: 'offboarded' });
  }

  private change(e: Change, changes: Partial<TenantRow>): Promise<void> {
    return TENANTS.patch(this.db, { tenantId: e.data.tenantId }, changes, sourceVersionOf(e));
  }
}
