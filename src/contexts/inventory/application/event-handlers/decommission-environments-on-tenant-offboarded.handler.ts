import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TenantOffboardedV1 } from '../../../tenancy/contracts';
import { TenantTeardown } from '../tenant-teardown';

/**
 * An offboarded tenant keeps no infrastructure: every environment of it that still exists is
 * decommissioned (`TenantTeardown`, race-free with requests: see there). Environments still
 * provisioning are decommissioned as soon as provisioning settles; ones already going away are left
 * alone. Runs once per event (inbox); if any decommission fails, the whole delivery rolls back and is
 * retried, and the command is idempotent for environments already handled. Applying the event to the
 * read model here, not only in the projection, closes the window in which the two handlers of this
 * event run in either order.
 */
@EventsHandler(TenantOffboardedV1)
export class DecommissionEnvironmentsOnTenantOffboardedHandler implements IEventHandler<TenantOffboardedV1> {
  constructor(private readonly teardown: TenantTeardown) {}

  async handle(event: TenantOffboardedV1): Promise<void> {
    const tenantId = event.data.tenantId;
    await this.teardown.applyAndLock(event);
    await this.teardown.decommissionLive(tenantId, `tenant ${tenantId} was offboarded${event.data.reason ? `: ${event.data.reason}` : ''}`);
  }
}
