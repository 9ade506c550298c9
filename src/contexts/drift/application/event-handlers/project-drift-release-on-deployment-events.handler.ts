import { Inject } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import {
  DeploymentAbortedV1,
  DeploymentCreatedV1,
  DeploymentFailedV1,
  DeploymentRollbackStartedV1,
  DeploymentRolledBackV1,
  DeploymentSucceededV1,
} from '../../../deployment/contracts';
import { DriftScheduleTable } from '../drift-schedule.table';
import { DRIFT_RELEASES, eventTimeOf } from '../read-models/drift-read-models';

type Ended = DeploymentSucceededV1 | DeploymentRolledBackV1 | DeploymentFailedV1 | DeploymentAbortedV1;

/**
 * Keeps drift's record of deployments from deployment's events: what each released, whether it is still
 * rolling out (drift does not judge a service mid-rollout), how it ended, and whether its health gate
 * rolled it back (that image is quarantined from remediation while the desired state naming it stands).
 */
@ReadModel({ name: 'drift.releases', tables: [DRIFT_RELEASES] })
export class ProjectDriftReleaseOnDeploymentEventsHandler extends Projection {
  constructor(
    tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super(tx);
  }

  @On(DeploymentCreatedV1)
  async created(e: DeploymentCreatedV1): Promise<void> {
    const d = e.data;
    await DRIFT_RELEASES.upsert(
      this.db,
      { deploymentId: d.deploymentId, environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, revision: d.revision, image: d.image, configChecksum: d.configChecksum, state: 'pending', gateRollback: false, reason: null, endedAt: null },
      sourceVersionOf(e),
    );
  }

  @On(DeploymentRollbackStartedV1)
  async rollingBack(e: DeploymentRollbackStartedV1): Promise<void> {
    await DRIFT_RELEASES.patch(this.db, { deploymentId: e.data.deploymentId }, { state: 'rolling_back', gateRollback: e.data.evaluation !== null, reason: e.data.reason }, sourceVersionOf(e));
  }

  @On<Ended>(DeploymentSucceededV1, DeploymentRolledBackV1, DeploymentFailedV1, DeploymentAbortedV1)
  async ended(e: Ended): Promise<void> {
    const state = e instanceof DeploymentSucceededV1 ? 'succeeded' : e instanceof DeploymentRolledBackV1 ? 'rolled_back' : e instanceof DeploymentFailedV1 ? 'failed' : 'aborted';
    const reason = 'reason' in e.data ? (e.data as { reason: string }).reason : undefined;
    await DRIFT_RELEASES.patch(this.db, { deploymentId: e.data.deploymentId }, { state, endedAt: eventTimeOf(e), ...(reason ? { reason } : {}) }, sourceVersionOf(e));
    await DriftScheduleTable.soon(this.db, e.data.environmentId, this.settings.DRIFT_DEBOUNCE_SECONDS);
  }
}
