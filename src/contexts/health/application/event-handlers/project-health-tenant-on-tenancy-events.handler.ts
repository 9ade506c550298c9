import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { TenantOffboardedV1, TenantOnboardedV1, TenantQuotasChangedV1, TenantReactivatedV1, TenantSuspendedV1 } from '../../../tenancy/contracts';
import { HEALTH_TENANTS } from '../read-models/health-read-models';

/** Keeps health's read model of tenants (quotas for scaling caps, lifecycle) from tenancy's events. */
@ReadModel({ name: 'health.tenants', tables: [HEALTH_TENANTS] })
export class ProjectHealthTenantOnTenancyEventsHandler extends Projection {
  @On(TenantOnboardedV1)
  async onboarded(e: TenantOnboardedV1): Promise<void> {
    await HEALTH_TENANTS.upsert(this.db, { tenantId: e.data.tenantId, state: 'active', quotas: e.data.quotas }, sourceVersionOf(e));
  }
  @On(TenantQuotasChangedV1) quotas(e: TenantQuotasChangedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { quotas: e.data.quotas }, sourceVersionOf(e)); }
  @On(TenantSuspendedV1) suspended(e: TenantSuspendedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'suspended' }, sourceVersionOf(e)); }
  @On(TenantReactivatedV1) reactivated(e: TenantReactivatedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'active' }, sourceVersionOf(e)); }
  @On(TenantOffboardedV1) offboarded(e: TenantOffboardedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'offboarded' }, sourceVersionOf(e)); }
}

