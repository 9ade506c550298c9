import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import {
  TenantIsolationChangedV1,
  TenantOffboardedV1,
  TenantOnboardedV1,
  TenantQuotasChangedV1,
  TenantReactivatedV1,
  TenantSuspendedV1,
} from '../../../tenancy/contracts';
import { TenantReadModel } from '../read-models/tenant-read-model';

type TenancyEvent = TenantOnboardedV1 | TenantQuotasChangedV1 | TenantIsolationChangedV1 | TenantSuspendedV1 | TenantReactivatedV1 | TenantOffboardedV1;

/**
 * Keeps inventory's read model of tenants (placement, quotas, lifecycle) from tenancy's published
 * events. The inbox runs each event once; the version guard of the read model also makes an event that
 * arrives after a newer one harmless.
 */
@EventsHandler(TenantOnboardedV1, TenantQuotasChangedV1, TenantIsolationChangedV1, TenantSuspendedV1, TenantReactivatedV1, TenantOffboardedV1)
export class ProjectTenantOnTenancyEventsHandler implements IEventHandler<TenancyEvent> {
  constructor(private readonly tenants: TenantReadModel) {}

  async handle(event: TenancyEvent): Promise<void> {
    const version = event.meta?.aggregateversion ?? 0;
    const tenantId = event.data.tenantId;
    if (event instanceof TenantOnboardedV1) {
      const d = event.data;
      await this.tenants.onboarded({ tenantId, state: 'active', isolationMode: d.isolationMode, placement: d.placement, quotas: d.quotas }, version);
    } else if (event instanceof TenantQuotasChangedV1) {
      await this.tenants.changed(tenantId, { quotas: event.data.quotas }, version);
    } else if (event instanceof TenantIsolationChangedV1) {
      await this.tenants.changed(tenantId, { isolationMode: event.data.isolationMode, placement: event.data.placement }, version);
    } else if (event instanceof TenantSuspendedV1) {
      await this.tenants.changed(tenantId, { state: 'suspended' }, version);
    } else if (event instanceof TenantReactivatedV1) {
      await this.tenants.changed(tenantId, { state: 'active' }, version);
    } else if (event instanceof TenantOffboardedV1) {
      await this.tenants.changed(tenantId, { state: 'offboarded' }, version);
    }
  }
}
