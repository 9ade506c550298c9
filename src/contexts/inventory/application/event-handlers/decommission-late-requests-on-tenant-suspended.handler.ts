import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TenantSuspendedV1 } from '../../../tenancy/contracts';
import { TenantTeardown } from '../tenant-teardown';

/**
 * A suspended tenant may not request environments, but inventory learns of a suspension a moment
 * after tenancy committed it (its read model is built from the event). An environment requested in
 * that moment, i.e. created at or after the suspension's time, was never allowed: it is decommissioned
 * (as soon as provisioning settles, if it is provisioning) with a reason saying so. Environments
 * requested before the suspension stay; a suspended tenant keeps what it has. Race-free with requests
 * as for offboarding (`TenantTeardown`).
 */
@EventsHandler(TenantSuspendedV1)
export class DecommissionLateRequestsOnTenantSuspendedHandler implements IEventHandler<TenantSuspendedV1> {
  constructor(private readonly teardown: TenantTeardown) {}

  async handle(event: TenantSuspendedV1): Promise<void> {
    const tenantId = event.data.tenantId;
    const terms = await this.teardown.applyAndLock(event);
    // A reactivation (or offboarding) inventory already applied supersedes this suspension.
    if (terms?.state !== 'suspended' || !event.meta?.time) return;
    const suspendedAt = new Date(event.meta.time);
    await this.teardown.decommissionLive(tenantId, `requested while tenant ${tenantId} was suspended (since ${suspendedAt.toISOString()})`, suspendedAt);
  }
}
