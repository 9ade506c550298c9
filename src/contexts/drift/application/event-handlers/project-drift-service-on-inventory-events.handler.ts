import { Inject } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { ServiceChangedV1, ServiceObservedV1, ServiceRemovedV1 } from '../../../inventory/contracts';
import { DriftScheduleTable } from '../drift-schedule.table';
import { DRIFT_SERVICES } from '../read-models/drift-read-models';

/** Keeps drift's actual state (what runs: image, replicas, config checksum) from inventory's events; a change brings the next reconciliation forward. */
@ReadModel({ name: 'drift.services', tables: [DRIFT_SERVICES] })
export class ProjectDriftServiceOnInventoryEventsHandler extends Projection {
  constructor(
    tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super(tx);
  }

  @On(ServiceObservedV1, ServiceChangedV1)
  async observed(e: ServiceObservedV1 | ServiceChangedV1): Promise<void> {
    const d = e.data;
    await DRIFT_SERVICES.upsert(
      this.db,
      { environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, image: d.image, replicas: d.replicas, readyReplicas: d.readyReplicas, configChecksum: d.configChecksum, observedAt: d.observedAt, removed: false },
      sourceVersionOf(e),
    );
    await DriftScheduleTable.soon(this.db, d.environmentId, this.settings.DRIFT_DEBOUNCE_SECONDS);
  }

  @On(ServiceRemovedV1)
  async removed(e: ServiceRemovedV1): Promise<void> {
    await DRIFT_SERVICES.patch(this.db, { environmentId: e.data.environmentId, service: e.data.service }, { removed: true, replicas: 0, readyReplicas: 0, observedAt: e.data.observedAt }, sourceVersionOf(e));
    await DriftScheduleTable.soon(this.db, e.data.environmentId, this.settings.DRIFT_DEBOUNCE_SECONDS);
  }
}
