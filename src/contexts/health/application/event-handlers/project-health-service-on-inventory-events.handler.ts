import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ServiceChangedV1, ServiceObservedV1, ServiceRemovedV1 } from '../../../inventory/contracts';
import { HEALTH_SERVICES } from '../read-models/health-read-models';

/** Keeps health's read model of observed services (replicas, for the scaling formula and the quota caps) from inventory's events. */
@ReadModel({ name: 'health.services', tables: [HEALTH_SERVICES] })
export class ProjectHealthServiceOnInventoryEventsHandler extends Projection {
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
