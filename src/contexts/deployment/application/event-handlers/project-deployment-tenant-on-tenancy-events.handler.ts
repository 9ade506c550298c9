import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { TenantOffboardedV1, TenantOnboardedV1, TenantQuotasChangedV1, TenantReactivatedV1, TenantSuspendedV1 } from '../../../tenancy/contracts';
import { DEPLOYMENT_TENANTS } from '../read-models/deployment-read-models';

/** Keeps the deployment context's read model of tenants (lifecycle, replica quotas) from tenancy's events. */
@ReadModel({ name: 'deployment.tenants', tables: [DEPLOYMENT_TENANTS] })
export class ProjectDeploymentTenantOnTenancyEventsHandler extends Projection {
  @On(TenantOnboardedV1)
  async onboarded(e: TenantOnboardedV1): Promise<void> {
    const { maxReplicasPerService, maxTotalReplicas } = e.data.quotas;
    await DEPLOYMENT_TENANTS.upsert(this.db, { tenantId: e.data.tenantId, state: 'active', maxReplicasPerService, maxTotalReplicas }, sourceVersionOf(e));
  }

  @On(TenantQuotasChangedV1)
  async quotas(e: TenantQuotasChangedV1): Promise<void> {
    const { maxReplicasPerService, maxTotalReplicas } = e.data.quotas;
    await DEPLOYMENT_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { maxReplicasPerService, maxTotalReplicas }, sourceVersionOf(e));
  }

  @On(TenantSuspendedV1) suspended(e: TenantSuspendedV1) { return DEPLOYMENT_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'suspended' }, sourceVersionOf(e)); }
  @On(TenantReactivatedV1) reactivated(e: TenantReactivatedV1) { return DEPLOYMENT_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'active' }, sourceVersionOf(e)); }
  @On(TenantOffboardedV1) offboarded(e: TenantOffboardedV1) { return DEPLOYMENT_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'offboarded' }, sourceVersionOf(e)); }
}
