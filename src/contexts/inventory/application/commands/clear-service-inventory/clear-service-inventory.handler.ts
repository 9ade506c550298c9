import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { ServiceInventoryRepository } from '../../../domain/inventory.repository';
import { ClearServiceInventoryCommand } from './clear-service-inventory.command';

@CommandHandler(ClearServiceInventoryCommand)
export class ClearServiceInventoryHandler implements ICommandHandler<ClearServiceInventoryCommand, { removed: string[] }> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly inventories: ServiceInventoryRepository,
    private readonly clock: Clock,
  ) {}

  execute({ environmentId, at }: ClearServiceInventoryCommand): Promise<{ removed: string[] }> {
    return this.tx.run(async () => {
      const inventory = await this.inventories.findByEnvironment(environmentId);
      if (!inventory || inventory.liveServices().length === 0) return { removed: [] };
      return this.uow.execute({ action: 'environment.clear-inventory', targetType: 'environment', targetId: environmentId }, async () => {
        const removed = inventory.clear(at, this.clock.now());
        await this.inventories.save(inventory);
        return { removed };
      });
    });
  }
}
