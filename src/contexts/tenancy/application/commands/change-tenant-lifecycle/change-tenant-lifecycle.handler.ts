import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TenantLifecycleGate } from '@rcp/auth';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { loadForChange } from '../../load-binding';
import { TenantView, viewOf } from '../../tenant.view';
import { ChangeTenantLifecycleCommand } from './change-tenant-lifecycle.command';

@CommandHandler(ChangeTenantLifecycleCommand)
export class ChangeTenantLifecycleHandler implements ICommandHandler<ChangeTenantLifecycleCommand, TenantView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
    private readonly clock: Clock,
    private readonly gate: TenantLifecycleGate,
    private readonly tx: TransactionManager,
  ) {}

  execute(cmd: ChangeTenantLifecycleCommand): Promise<TenantView> {
    return this.uow.execute(
      { action: `tenant.${cmd.action}`, targetType: 'tenant', targetId: cmd.tenantId, tenantId: cmd.tenantId, details: { reason: cmd.reason } },
      async () => {
        const binding = await loadForChange(this.tenants, cmd.tenantId, cmd.expectedVersion);
        const now = this.clock.now();
        if (cmd.action === 'suspend') binding.suspend(cmd.reason, now);
        else if (cmd.action === 'reactivate') binding.reactivate(cmd.reason, now);
        else binding.offboard(cmd.reason, now);
        await this.tenants.save(binding);
        this.tx.afterCommit(() => this.gate.forget(cmd.tenantId));
        return viewOf(binding, await this.usage.usageOf(cmd.tenantId));
      },
    );
  }
}
