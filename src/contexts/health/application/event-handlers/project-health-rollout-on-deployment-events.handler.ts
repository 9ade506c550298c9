import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { DeploymentAbortedV1, DeploymentCreatedV1, DeploymentFailedV1, DeploymentRolledBackV1, DeploymentSucceededV1 } from '../../../deployment/contracts';
import { HEALTH_ROLLOUTS } from '../read-models/health-read-models';

type Finished = DeploymentSucceededV1 | DeploymentFailedV1 | DeploymentRolledBackV1 | DeploymentAbortedV1;

/** Keeps health's read model of rollouts from the deployment context's events: a service being rolled out is not scaled meanwhile. */
@ReadModel({ name: 'health.rollouts', tables: [HEALTH_ROLLOUTS] })
export class ProjectHealthRolloutOnDeploymentEventsHandler extends Projection {
  @On(DeploymentCreatedV1)
  async created(e: DeploymentCreatedV1): Promise<void> {
    const d = e.data;
    await HEALTH_ROLLOUTS.upsert(this.db, { deploymentId: d.deploymentId, environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, active: true }, sourceVersionOf(e));
  }

  @On<Finished>(DeploymentSucceededV1, DeploymentFailedV1, DeploymentRolledBackV1, DeploymentAbortedV1)
  async finished(e: Finished): Promise<void> {
    await HEALTH_ROLLOUTS.patch(this.db, { deploymentId: e.data.deploymentId }, { active: false }, sourceVersionOf(e));
  }
}
