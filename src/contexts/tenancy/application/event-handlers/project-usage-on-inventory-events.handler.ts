import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import {
  EnvironmentDecommissionedV1,
  EnvironmentRequestedV1,
  ServiceChangedV1,
  ServiceObservedV1,
  ServiceRemovedV1,
} from '../../../inventory/contracts';

type InventoryEvent = EnvironmentRequestedV1 | EnvironmentDecommissionedV1 | ServiceObservedV1 | ServiceChangedV1 | ServiceRemovedV1;

/**
 * Keeps tenancy's usage read model from inventory's events: live environments, and the replicas of each
 * service in them. Every write is an idempotent upsert or delete, and the inbox runs each event once.
 * An environment and its service inventory are two subjects, delivered in order each but not with
 * each other: nothing here depends on that order, since usage counts only services of live environments
 * and a decommissioned environment's inventory is emptied by service-removed events on its own subject.
 */
@EventsHandler(EnvironmentRequestedV1, EnvironmentDecommissionedV1, ServiceObservedV1, ServiceChangedV1, ServiceRemovedV1)
export class ProjectUsageOnInventoryEventsHandler implements IEventHandler<InventoryEvent> {
  constructor(private readonly tx: TransactionManager) {}

  async handle(event: InventoryEvent): Promise<void> {
    const m = this.tx.manager();
    const d = event.data;
    if (event instanceof EnvironmentRequestedV1) {
      await m.query(
        `INSERT INTO tenancy.environment_usage (environment_id, tenant_id, project_id, live) VALUES ($1, $2, $3, true)
         ON CONFLICT (environment_id) DO NOTHING`,
        [d.environmentId, d.tenantId, d.projectId],
      );
    } else if (event instanceof EnvironmentDecommissionedV1) {
      await m.query(
        `INSERT INTO tenancy.environment_usage (environment_id, tenant_id, project_id, live) VALUES ($1, $2, $3, false)
         ON CONFLICT (environment_id) DO UPDATE SET live = false, updated_at = now()`,
        [d.environmentId, d.tenantId, d.projectId],
      );
      await m.query(`DELETE FROM tenancy.service_usage WHERE environment_id = $1`, [d.environmentId]);
    } else if (event instanceof ServiceObservedV1 || event instanceof ServiceChangedV1) {
      const s = event.data;
      await m.query(
        `INSERT INTO tenancy.service_usage (environment_id, service, tenant_id, replicas) VALUES ($1, $2, $3, $4)
         ON CONFLICT (environment_id, service) DO UPDATE SET replicas = EXCLUDED.replicas, updated_at = now()`,
        [s.environmentId, s.service, s.tenantId, s.replicas],
      );
    } else if (event instanceof ServiceRemovedV1) {
      await m.query(`DELETE FROM tenancy.service_usage WHERE environment_id = $1 AND service = $2`, [event.data.environmentId, event.data.service]);
    }
  }
}
