import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ServiceHealthChangedV1 } from '../../../health/contracts';
import { DEPLOYMENT_SERVICE_HEALTH } from '../read-models/deployment-read-models';

/** Keeps the deployment context's read model of health per revision (what its health gate judges) from health's events. */
@ReadModel({ name: 'deployment.service-health', tables: [DEPLOYMENT_SERVICE_HEALTH] })
export class ProjectDeploymentHealthOnServiceHealthChangedHandler extends Projection {
  @On(ServiceHealthChangedV1)
  async changed(e: ServiceHealthChangedV1): Promise<void> {
    const d = e.data;
    await DEPLOYMENT_SERVICE_HEALTH.upsert(
      this.db,
      { environmentId: d.environmentId, service: d.service, revision: d.revision ?? '', tenantId: d.tenantId, status: d.status, since: d.since },
      sourceVersionOf(e),
    );
  }
}
