import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import {
  EnvironmentDecommissionedV1,
  EnvironmentDecommissioningFailedV1,
  EnvironmentDecommissioningV1,
  EnvironmentProvisioningFailedV1,
  EnvironmentProvisioningStartedV1,
  EnvironmentReadyV1,
  EnvironmentRequestedV1,
  EnvironmentRetryRequestedV1,
  ServiceChangedV1,
  ServiceObservedV1,
  ServiceRemovedV1,
} from '../../../inventory/contracts';
import { TenantOffboardedV1, TenantOnboardedV1, TenantQuotasChangedV1, TenantReactivatedV1, TenantSuspendedV1 } from '../../../tenancy/contracts';
import { HEALTH_ENVIRONMENTS, HEALTH_SERVICES, HEALTH_TENANTS, HealthEnvironmentRow } from '../read-models/health-read-models';

type EnvironmentChange =
  | EnvironmentProvisioningStartedV1
  | EnvironmentReadyV1
  | EnvironmentProvisioningFailedV1
  | EnvironmentRetryRequestedV1
  | EnvironmentDecommissioningV1
  | EnvironmentDecommissioningFailedV1
  | EnvironmentDecommissionedV1;

/** Keeps health's read model of environments (exist, project, ready or not) from inventory's lifecycle events. */
@ReadModel({ name: 'health.environments', tables: [HEALTH_ENVIRONMENTS] })
export class ProjectEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await HEALTH_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }
  @On(EnvironmentProvisioningStartedV1) provisioning(e: EnvironmentProvisioningStartedV1) { return this.to(e, 'provisioning'); }
  @On(EnvironmentReadyV1) ready(e: EnvironmentReadyV1) { return this.to(e, 'ready'); }
  @On(EnvironmentProvisioningFailedV1) failed(e: EnvironmentProvisioningFailedV1) { return this.to(e, 'failed'); }
  @On(EnvironmentRetryRequestedV1) retried(e: EnvironmentRetryRequestedV1) { return this.to(e, 'requested'); }
  @On(EnvironmentDecommissioningV1) decommissioning(e: EnvironmentDecommissioningV1) { return this.to(e, 'decommissioning'); }
  @On(EnvironmentDecommissioningFailedV1) decommissioningFailed(e: EnvironmentDecommissioningFailedV1) { return this.to(e, 'failed'); }
  @On(EnvironmentDecommissionedV1) decommissioned(e: EnvironmentDecommissionedV1) { return this.to(e, 'decommissioned'); }

  private to(e: EnvironmentChange, state: HealthEnvironmentRow['state']): Promise<void> {
    return HEALTH_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state }, sourceVersionOf(e));
  }
}

/** Keeps health's read model of tenants (quotas for scaling caps, lifecycle) from tenancy's events. */
@ReadModel({ name: 'health.tenants', tables: [HEALTH_TENANTS] })
export class ProjectTenantOnTenancyEventsHandler extends Projection {
  @On(TenantOnboardedV1)
  async onboarded(e: TenantOnboardedV1): Promise<void> {
    await HEALTH_TENANTS.upsert(this.db, { tenantId: e.data.tenantId, state: 'active', quotas: e.data.quotas }, sourceVersionOf(e));
  }
  @On(TenantQuotasChangedV1) quotas(e: TenantQuotasChangedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { quotas: e.data.quotas }, sourceVersionOf(e)); }
  @On(TenantSuspendedV1) suspended(e: TenantSuspendedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'suspended' }, sourceVersionOf(e)); }
  @On(TenantReactivatedV1) reactivated(e: TenantReactivatedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'active' }, sourceVersionOf(e)); }
  @On(TenantOffboardedV1) offboarded(e: TenantOffboardedV1) { return HEALTH_TENANTS.patch(this.db, { tenantId: e.data.tenantId }, { state: 'offboarded' }, sourceVersionOf(e)); }
}

/** Keeps health's read model of observed services (replicas, for the scaling formula and the quota caps) from inventory's events. */
@ReadModel({ name: 'health.services', tables: [HEALTH_SERVICES] })
export class ProjectServiceOnInventoryEventsHandler extends Projection {
  @On(ServiceObservedV1) observed(e: ServiceObservedV1) { return this.upsert(e); }
  @On(ServiceChangedV1) changed(e: ServiceChangedV1) { return this.upsert(e); }

  @On(ServiceRemovedV1)
  removed(e: ServiceRemovedV1): Promise<void> {
    return HEALTH_SERVICES.patch(this.db, { environmentId: e.data.environmentId, service: e.data.service }, { removed: true, replicas: 0, readyReplicas: 0, observedAt: e.data.observedAt }, sourceVersionOf(e));
  }

  private upsert(e: ServiceObservedV1 | ServiceChangedV1): Promise<void> {
    const d = e.data;
    return HEALTH_SERVICES.upsert(
      this.db,
      { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, replicas: d.replicas, readyReplicas: d.readyReplicas, observedAt: d.observedAt, removed: false },
      sourceVersionOf(e),
    );
  }
}
