import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { unchanged, UnitOfWork } from '@rcp/persistence';
import { ServiceInventoryRepository } from '../../../domain/inventory.repository';
import { ClearServiceInventoryCommand } from './clear-service-inventory.command';

@CommandHandler(ClearServiceInventoryCommand)
export class ClearServiceInventoryHandler implements ICommandHandler<ClearServiceInventoryCommand, { removed: string[] }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly inventories: ServiceInventoryRepository,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ClearServiceInventoryCommand): Promise<{ removed: string[] }> {
    return this.uow.run(cmd, async () => {
      const inventory = await this.inventories.findByEnvironment(cmd.environmentId);
      if (!inventory || inventory.liveServices().length === 0) return unchanged({ removed: [] });
      const removed = inventory.clear(cmd.at, this.clock.now());
      await this.inventories.save(inventory);
      return { removed };
    });
  }
}
