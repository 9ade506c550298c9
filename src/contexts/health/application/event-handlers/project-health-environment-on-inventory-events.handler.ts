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
} from '../../../inventory/contracts';
import { HEALTH_ENVIRONMENTS, HealthEnvironmentRow } from '../read-models/health-read-models';

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
export class ProjectHealthEnvironmentOnInventoryEventsHandler extends Projection {
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

