import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { EnvironmentDecommissionedV1 } from '../../contracts';
import { ClearServiceInventoryCommand } from '../commands/clear-service-inventory/clear-service-inventory.command';

/**
 * A decommissioned environment runs nothing: its live inventory (the actual-state baseline other
 * contexts compare against) is emptied, with a service-removed event per service. Agents cannot
 * report for it any more, so nothing else would clear it. Inbox-guarded; a second run finds nothing live.
 */
@EventsHandler(EnvironmentDecommissionedV1)
export class ClearInventoryOnEnvironmentDecommissionedHandler implements IEventHandler<EnvironmentDecommissionedV1> {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: EnvironmentDecommissionedV1): Promise<void> {
    const at = event.meta?.time ? new Date(event.meta.time) : new Date();
    await this.commands.execute(new ClearServiceInventoryCommand(event.data.environmentId, at));
  }
}
