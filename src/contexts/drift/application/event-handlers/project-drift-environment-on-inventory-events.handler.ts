import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ENVIRONMENT_STATE_EVENTS, EnvironmentRequestedV1, EnvironmentStateEvent, environmentStateAfter } from '../../../inventory/contracts';
import { DRIFT_ENVIRONMENTS } from '../read-models/drift-read-models';

/** Keeps drift's read model of environments (who owns one, whether it still runs) from inventory's lifecycle events. */
@ReadModel({ name: 'drift.environments', tables: [DRIFT_ENVIRONMENTS] })
export class ProjectDriftEnvironmentOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await DRIFT_ENVIRONMENTS.upsert(this.db, { environmentId, tenantId, projectId, state: 'requested' }, sourceVersionOf(e));
  }

  @On(...ENVIRONMENT_STATE_EVENTS)
  async moved(e: EnvironmentStateEvent): Promise<void> {
    await DRIFT_ENVIRONMENTS.patch(this.db, { environmentId: e.data.environmentId }, { state: environmentStateAfter(e) }, sourceVersionOf(e));
  }
}
