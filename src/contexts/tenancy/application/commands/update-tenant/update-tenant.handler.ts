import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { loadForChange } from '../../load-binding';
import { TenantView, viewOf } from '../../tenant.view';
import { UpdateTenantCommand } from './update-tenant.command';

@CommandHandler(UpdateTenantCommand)
export class UpdateTenantHandler implements ICommandHandler<UpdateTenantCommand, TenantView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
    private readonly clock: Clock,
  ) {}

  execute(cmd: UpdateTenantCommand): Promise<TenantView> {
    const { changes } = cmd;
    return this.uow.execute(
      { action: 'tenant.update', targetType: 'tenant', targetId: cmd.tenantId, tenantId: cmd.tenantId, details: { fields: Object.keys(changes) } },
      async () => {
        const binding = await loadForChange(this.tenants, cmd.tenantId, cmd.expectedVersion);
        const usage = await this.usage.usageOf(cmd.tenantId);
        const now = this.clock.now();
        if (changes.displayName !== undefined) binding.rename(changes.displayName, now);
        if (changes.isolationMode !== undefined) binding.changeIsolation(changes.isolationMode, usage.environments, now);
        if (changes.quotas !== undefined) binding.changeQuotas(changes.quotas, usage, now);
        if (binding.peekEvents().length > 0) await this.tenants.save(binding);
        return viewOf(binding, usage);
      },
    );
  }
}
