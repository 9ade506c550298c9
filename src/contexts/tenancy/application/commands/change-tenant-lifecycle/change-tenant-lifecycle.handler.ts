import { CommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TenantLifecycleGate } from '@rcp/auth';
import { ChangeHandler, TransactionManager, UnitOfWork } from '@rcp/persistence';
import { RuntimeTenantBinding } from '../../../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { TenantView, viewOf } from '../../tenant.view';
import { ChangeTenantLifecycleCommand } from './change-tenant-lifecycle.command';

@CommandHandler(ChangeTenantLifecycleCommand)
export class ChangeTenantLifecycleHandler extends ChangeHandler<ChangeTenantLifecycleCommand, RuntimeTenantBinding, void, TenantView> {
  constructor(
    uow: UnitOfWork,
    tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
    private readonly clock: Clock,
    private readonly gate: TenantLifecycleGate,
    private readonly tx: TransactionManager,
  ) {
    super(uow, tenants, 'Tenant');
  }

  protected target(cmd: ChangeTenantLifecycleCommand) {
    return { id: cmd.tenantId, expectedVersion: cmd.expectedVersion };
  }

  protected apply(binding: RuntimeTenantBinding, { action, reason }: ChangeTenantLifecycleCommand): void {
    binding[action](reason, this.clock.now());
  }

  protected async answer(binding: RuntimeTenantBinding, cmd: ChangeTenantLifecycleCommand): Promise<TenantView> {
    this.tx.afterCommit(() => this.gate.forget(cmd.tenantId));
    return viewOf(binding, await this.usage.usageOf(cmd.tenantId));
  }
}
