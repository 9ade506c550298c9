import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ENVIRONMENT_STATE_EVENTS, EnvironmentRequestedV1, EnvironmentStateEvent, environmentStateAfter } from '../../../inventory/contracts';
import { ENVIRONMENTS } from '../read-models/environment-read-model';

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

  @On(...ENVIRONMENT_STATE_EVENTS)
  async moved(e: EnvironmentStateEvent): Promise<void> {
    await ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state: environmentStateAfter(e) }, sourceVersionOf(e));
  }
}
