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
import { ENVIRONMENTS, KnownEnvironmentState } from '../read-models/environment-read-model';

type Change =
  | EnvironmentProvisioningStartedV1
  | EnvironmentReadyV1
  | EnvironmentProvisioningFailedV1
  | EnvironmentRetryRequestedV1
  | EnvironmentDecommissioningV1
  | EnvironmentDecommissioningFailedV1
  | EnvironmentDecommissionedV1;

/**
 * Keeps configuration's read model of environments (which exist, in which project, and whether they are
 * live) from inventory's published lifecycle events. The version guard makes a late event harmless.
 */
@ReadModel({ name: 'configuration.environments', tables: [ENVIRONMENTS] })
export class ProjectEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }

  @On(EnvironmentProvisioningStartedV1)
  provisioning(e: EnvironmentProvisioningStartedV1): Promise<void> {
    return this.to(e, 'provisioning');
  }

  @On(EnvironmentReadyV1)
  ready(e: EnvironmentReadyV1): Promise<void> {
    return this.to(e, 'ready');
  }

  @On(EnvironmentProvisioningFailedV1)
  provisioningFailed(e: EnvironmentProvisioningFailedV1): Promise<void> {
    return this.to(e, 'failed');
  }

  @On(EnvironmentRetryRequestedV1)
  retried(e: EnvironmentRetryRequestedV1): Promise<void> {
    return this.to(e, 'requested');
  }

  @On(EnvironmentDecommissioningV1)
  decommissioning(e: EnvironmentDecommissioningV1): Promise<void> {
    return this.to(e, 'decommissioning');
  }

  @On(EnvironmentDecommissioningFailedV1)
  decommissioningFailed(e: EnvironmentDecommissioningFailedV1): Promise<void> {
    return this.to(e, 'failed');
  }

  @On(EnvironmentDecommissionedV1)
  decommissioned(e: EnvironmentDecommissionedV1): Promise<void> {
    return this.to(e, 'decommissioned');
  }

  private to(e: Change, state: KnownEnvironmentState): Promise<void> {
    return ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state }, sourceVersionOf(e));
  }
}
