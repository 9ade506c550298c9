import { Inject } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { ScalingDecisionMadeV1, ScalingPolicySetV1, ServiceHealthChangedV1 } from '../../../health/contracts';
import { DriftScheduleTable } from '../drift-schedule.table';
import { DRIFT_SCALING, DRIFT_SERVICE_HEALTH, eventTimeOf } from '../read-models/drift-read-models';

/**
 * Keeps the signals drift judges with, from health's events: each service's health, and its scaling
 * policy's bounds with its last decision (a replica count a decision within bounds asked for is not
 * drift). A change of health brings the next reconciliation forward.
 */
@ReadModel({ name: 'drift.signals', tables: [DRIFT_SERVICE_HEALTH, DRIFT_SCALING] })
export class ProjectDriftSignalsOnHealthEventsHandler extends Projection {
  constructor(
    tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super(tx);
  }

  @On(ServiceHealthChangedV1)
  async health(e: ServiceHealthChangedV1): Promise<void> {
    const d = e.data;
    await DRIFT_SERVICE_HEALTH.upsert(this.db, { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, status: d.status, since: d.since, reason: d.reason }, sourceVersionOf(e));
    await DriftScheduleTable.soon(this.db, d.environmentId, this.settings.DRIFT_DEBOUNCE_SECONDS);
  }

  @On(ScalingPolicySetV1)
  async policy(e: ScalingPolicySetV1): Promise<void> {
    const d = e.data;
    await DRIFT_SCALING.upsert(this.db, { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, minReplicas: d.policy.minReplicas, maxReplicas: d.policy.maxReplicas }, sourceVersionOf(e));
  }

  @On(ScalingDecisionMadeV1)
  async decision(e: ScalingDecisionMadeV1): Promise<void> {
    const d = e.data;
    await DRIFT_SCALING.upsert(
      this.db,
      { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, decisionId: d.decisionId, desiredReplicas: d.desiredReplicas, decidedAt: eventTimeOf(e) },
      sourceVersionOf(e),
    );
  }
}
