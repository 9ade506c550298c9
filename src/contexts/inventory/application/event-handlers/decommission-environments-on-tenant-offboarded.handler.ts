import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TenantOffboardedV1 } from '../../../tenancy/contracts';
import { RuntimeEnvironmentRepository } from '../../domain/inventory.repository';
import { DecommissionEnvironmentCommand } from '../commands/decommission-environment/decommission-environment.command';
import { TenantReadModel } from '../read-models/tenant-read-model';
import { ProjectTenantOnTenancyEventsHandler } from './project-tenant-on-tenancy-events.handler';

/**
 * An offboarded tenant keeps no infrastructure: every environment of it that still exists is
 * decommissioned through this context's own command (one audit row each). Environments still
 * provisioning are decommissioned as soon as provisioning settles; ones already going away are left
 * alone. Runs once per event (inbox); if any decommission fails, the whole delivery rolls back and is
 * retried, and the command is idempotent for environments already handled.
 *
 * Race-free with environment requests: the event is applied to inventory's read model of the tenant
 * (by its projection, version-guarded) and its row locked *before* the environments are listed, in this
 * one transaction. A request holds that row's lock from its tenant check to its commit, so a request that got in first has committed (and
 * is listed here), and one that comes later waits for this transaction and then reads `offboarded`
 * (403 tenant_offboarded). Marking the read model here, not only in the projection, is what closes the
 * window in which the two handlers of this event run in either order.
 */
@EventsHandler(TenantOffboardedV1)
export class DecommissionEnvironmentsOnTenantOffboardedHandler implements IEventHandler<TenantOffboardedV1> {
  constructor(
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly tenants: TenantReadModel,
    private readonly projection: ProjectTenantOnTenancyEventsHandler,
    private readonly commands: CommandBus,
  ) {}

  async handle(event: TenantOffboardedV1): Promise<void> {
    const tenantId = event.data.tenantId;
    await this.projection.handle(event);
    await this.tenants.termsOf(tenantId, { lock: true });
    const reason = `tenant ${tenantId} was offboarded${event.data.reason ? `: ${event.data.reason}` : ''}`;
    for (const environmentId of await this.environments.liveIdsOf(tenantId)) {
      await this.commands.execute(new DecommissionEnvironmentCommand({ environmentId, reason, whenSettled: true }));
    }
  }
}
