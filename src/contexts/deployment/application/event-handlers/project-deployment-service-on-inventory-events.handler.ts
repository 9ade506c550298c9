import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ServiceChangedV1, ServiceObservedV1, ServiceRemovedV1 } from '../../../inventory/contracts';
import { DEPLOYMENT_SERVICES } from '../read-models/deployment-read-models';

/** Keeps the deployment context's read model of running services (image, replicas) from inventory's events. */
@ReadModel({ name: 'deployment.services', tables: [DEPLOYMENT_SERVICES] })
export class ProjectDeploymentServiceOnInventoryEventsHandler extends Projection {
  @On(ServiceObservedV1, ServiceChangedV1)
  async observed(e: ServiceObservedV1 | ServiceChangedV1): Promise<void> {
    const d = e.data;
    await DEPLOYMENT_SERVICES.upsert(this.db, { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, image: d.image, replicas: d.replicas, removed: false }, sourceVersionOf(e));
  }

  @On(ServiceRemovedV1)
  async removed(e: ServiceRemovedV1): Promise<void> {
    await DEPLOYMENT_SERVICES.patch(this.db, { environmentId: e.data.environmentId, service: e.data.service }, { removed: true, replicas: 0 }, sourceVersionOf(e));
  }
}
