import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ENVIRONMENT_STATE_EVENTS, EnvironmentRequestedV1, EnvironmentStateEvent, environmentStateAfter } from '../../../inventory/contracts';
import { HEALTH_ENVIRONMENTS } from '../read-models/health-read-models';

/** Keeps health's read model of environments (exist, project, ready or not) from inventory's lifecycle events. */
@ReadModel({ name: 'health.environments', tables: [HEALTH_ENVIRONMENTS] })
export class ProjectHealthEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await HEALTH_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }

  @On(...ENVIRONMENT_STATE_EVENTS)
  async moved(e: EnvironmentStateEvent): Promise<void> {
    await HEALTH_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state: environmentStateAfter(e) }, sourceVersionOf(e));
  }
}
