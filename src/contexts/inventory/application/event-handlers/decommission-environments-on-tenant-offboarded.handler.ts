import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TenantOffboardedV1 } from '../../../tenancy/contracts';
import { RuntimeEnvironmentRepository } from '../../domain/inventory.repository';
import { DecommissionEnvironmentCommand } from '../commands/decommission-environment/decommission-environment.command';

/**
 * An offboarded tenant keeps no infrastructure: every environment of it that still exists is
 * decommissioned through this context's own command (one audit row each). Environments still
 * provisioning are decommissioned as soon as provisioning settles; ones already going away are left
 * alone. Runs once per event (inbox); if any decommission fails, the whole delivery rolls back and is
 * retried, and the command is idempotent for environments already handled.
 */
@EventsHandler(TenantOffboardedV1)
export class DecommissionEnvironmentsOnTenantOffboardedHandler implements IEventHandler<TenantOffboardedV1> {
  constructor(
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly commands: CommandBus,
  ) {}

  async handle(event: TenantOffboardedV1): Promise<void> {
    const reason = `tenant ${event.data.tenantId} was offboarded${event.data.reason ? `: ${event.data.reason}` : ''}`;
    for (const environmentId of await this.environments.liveIdsOf(event.data.tenantId)) {
      await this.commands.execute(new DecommissionEnvironmentCommand({ environmentId, reason, whenSettled: true }));
    }
  }
}
