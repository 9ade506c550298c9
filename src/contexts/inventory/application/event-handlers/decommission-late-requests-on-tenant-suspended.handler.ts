import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TenantSuspendedV1 } from '../../../tenancy/contracts';
import { RuntimeEnvironmentRepository } from '../../domain/inventory.repository';
import { DecommissionEnvironmentCommand } from '../commands/decommission-environment/decommission-environment.command';
import { TenantReadModel } from '../read-models/tenant-read-model';
import { ProjectTenantOnTenancyEventsHandler } from './project-tenant-on-tenancy-events.handler';

/**
 * A suspended tenant may not request environments, but inventory learns of a suspension a moment
 * after tenancy committed it (its read model is built from the event). An environment requested in
 * that moment, i.e. created at or after the suspension's time, was never allowed: it is decommissioned
 * (as soon as provisioning settles, if it is provisioning) with a reason saying so. Environments
 * requested before the suspension stay; a suspended tenant keeps what it has.
 *
 * As for offboarding, the event is applied to the read model (by its projection, whose version guard
 * makes the projection's own delivery of it harmless) and the tenant's row locked before the
 * environments are listed, in this one transaction, so no request can commit unseen in between: one that got the
 * tenant's row first is listed here, one that comes later reads `suspended` (403 tenant_suspended).
 */
@EventsHandler(TenantSuspendedV1)
export class DecommissionLateRequestsOnTenantSuspendedHandler implements IEventHandler<TenantSuspendedV1> {
  constructor(
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly tenants: TenantReadModel,
    private readonly projection: ProjectTenantOnTenancyEventsHandler,
    private readonly commands: CommandBus,
  ) {}

  async handle(event: TenantSuspendedV1): Promise<void> {
    const tenantId = event.data.tenantId;
    await this.projection.handle(event);
    const terms = await this.tenants.termsOf(tenantId, { lock: true });
    // A reactivation (or offboarding) inventory already applied supersedes this suspension.
    if (terms?.state !== 'suspended' || !event.meta?.time) return;
    const suspendedAt = new Date(event.meta.time);
    const reason = `requested while tenant ${tenantId} was suspended (since ${suspendedAt.toISOString()})`;
    for (const environmentId of await this.environments.liveIdsOf(tenantId, { createdFrom: suspendedAt })) {
      await this.commands.execute(new DecommissionEnvironmentCommand({ environmentId, reason, whenSettled: true }));
    }
  }
}
