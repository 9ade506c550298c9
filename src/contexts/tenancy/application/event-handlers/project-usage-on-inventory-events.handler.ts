import { On, Projection, ReadModel, ReadModelTable, sourceVersionOf } from '@rcp/messaging';
import {
  EnvironmentDecommissionedV1,
  EnvironmentRequestedV1,
  ServiceChangedV1,
  ServiceObservedV1,
  ServiceRemovedV1,
} from '../../../inventory/contracts';

/** Live environments per tenant; the version guard follows each environment's version line. */
const ENVIRONMENT_USAGE = new ReadModelTable<{ environmentId: string; tenantId: string; projectId: string; live: boolean }>({
  table: 'tenancy.environment_usage',
  key: ['environmentId'],
  versioned: true,
});

/** Replicas per service; the version guard follows each environment's service inventory (`<environmentId>/services`). */
const SERVICE_USAGE = new ReadModelTable<{ environmentId: string; service: string; tenantId: string; replicas: number }>({
  table: 'tenancy.service_usage',
  key: ['environmentId', 'service'],
  versioned: true,
});

/**
 * Keeps tenancy's usage read model from inventory's events: live environments, and the replicas of each
 * service in them (read by `TypeOrmTenantUsageReader`). An environment and its service inventory are two
 * subjects, delivered in order each but not with each other: nothing here depends on that order, since
 * usage counts only services of live environments and a decommissioned environment's inventory is
 * emptied by service-removed events on its own subject.
 */
@ReadModel({ name: 'tenancy.usage', tables: [ENVIRONMENT_USAGE, SERVICE_USAGE] })
export class ProjectUsageOnInventoryEventsHandler extends Projection {
  @On(EnvironmentRequestedV1)
  async requested(e: EnvironmentRequestedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await ENVIRONMENT_USAGE.upsert(this.db, { environmentId, tenantId, projectId, live: true }, sourceVersionOf(e));
  }

  @On(EnvironmentDecommissionedV1)
  async decommissioned(e: EnvironmentDecommissionedV1): Promise<void> {
    const { environmentId, tenantId, projectId } = e.data;
    await ENVIRONMENT_USAGE.upsert(this.db, { environmentId, tenantId, projectId, live: false }, sourceVersionOf(e));
    await SERVICE_USAGE.delete(this.db, { environmentId });
  }

  @On(ServiceObservedV1)
  observed(e: ServiceObservedV1): Promise<void> {
    return this.replicas(e);
  }

  @On(ServiceChangedV1)
  changed(e: ServiceChangedV1): Promise<void> {
    return this.replicas(e);
  }

  @On(ServiceRemovedV1)
  async removed(e: ServiceRemovedV1): Promise<void> {
    await SERVICE_USAGE.delete(this.db, { environmentId: e.data.environmentId, service: e.data.service });
  }

  private async replicas(e: ServiceObservedV1 | ServiceChangedV1): Promise<void> {
    const { environmentId, service, tenantId, replicas } = e.data;
    await SERVICE_USAGE.upsert(this.db, { environmentId, service, tenantId, replicas }, sourceVersionOf(e));
  }
}
