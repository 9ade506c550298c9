import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ENVIRONMENT_STATE_EVENTS, EnvironmentRequestedV1, EnvironmentStateEvent, environmentStateAfter } from '../../../contexts/inventory/contracts';
import { ACCESS_ENVIRONMENTS } from '../read-models/access-environment-read-model';

/** Keeps the access module's read model of environments (exist, project, ready or not) from inventory's lifecycle events. */
@ReadModel({ name: 'access.environments', tables: [ACCESS_ENVIRONMENTS] })
export class ProjectAccessEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await ACCESS_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }

  @On(...ENVIRONMENT_STATE_EVENTS)
  async moved(e: EnvironmentStateEvent): Promise<void> {
    await ACCESS_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state: environmentStateAfter(e) }, sourceVersionOf(e));
  }
}
