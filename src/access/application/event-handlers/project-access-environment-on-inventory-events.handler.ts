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
} from '../../../contexts/inventory/contracts';
import { ACCESS_ENVIRONMENTS, AccessEnvironmentState } from '../read-models/access-environment-read-model';

type Change =
  | EnvironmentProvisioningStartedV1
  | EnvironmentReadyV1
  | EnvironmentProvisioningFailedV1
  | EnvironmentRetryRequestedV1
  | EnvironmentDecommissioningV1
  | EnvironmentDecommissioningFailedV1
  | EnvironmentDecommissionedV1;

/** Keeps the access module's read model of environments (exist, project, ready or not) from inventory's lifecycle events. */
@ReadModel({ name: 'access.environments', tables: [ACCESS_ENVIRONMENTS] })
export class ProjectAccessEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await ACCESS_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }
  @On(EnvironmentProvisioningStartedV1) provisioning(e: EnvironmentProvisioningStartedV1) { return this.to(e, 'provisioning'); }
  @On(EnvironmentReadyV1) ready(e: EnvironmentReadyV1) { return this.to(e, 'ready'); }
  @On(EnvironmentProvisioningFailedV1) failed(e: EnvironmentProvisioningFailedV1) { return this.to(e, 'failed'); }
  @On(EnvironmentRetryRequestedV1) retried(e: EnvironmentRetryRequestedV1) { return this.to(e, 'requested'); }
  @On(EnvironmentDecommissioningV1) decommissioning(e: EnvironmentDecommissioningV1) { return this.to(e, 'decommissioning'); }
  @On(EnvironmentDecommissioningFailedV1) decommissioningFailed(e: EnvironmentDecommissioningFailedV1) { return this.to(e, 'failed'); }
  @On(EnvironmentDecommissionedV1) decommissioned(e: EnvironmentDecommissionedV1) { return this.to(e, 'decommissioned'); }

  private to(e: Change, state: AccessEnvironmentState): Promise<void> {
    return ACCESS_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state }, sourceVersionOf(e));
  }
}
