import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ENVIRONMENT_STATE_EVENTS, EnvironmentRequestedV1, EnvironmentStateEvent, environmentStateAfter } from '../../../inventory/contracts';
import { DEPLOYMENT_ENVIRONMENTS } from '../read-models/deployment-read-models';

/** Keeps the deployment context's read model of environments (a deployment targets a ready one) from inventory's lifecycle events. */
@ReadModel({ name: 'deployment.environments', tables: [DEPLOYMENT_ENVIRONMENTS] })
export class ProjectDeploymentEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await DEPLOYMENT_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }

  @On(...ENVIRONMENT_STATE_EVENTS)
  async moved(e: EnvironmentStateEvent): Promise<void> {
    await DEPLOYMENT_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state: environmentStateAfter(e) }, sourceVersionOf(e));
  }
}
