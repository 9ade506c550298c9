import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { NO_USAGE } from '../../../domain/quotas.value-object';
import { RuntimeTenantBinding } from '../../../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository } from '../../../domain/tenant-binding.repository';
import { TenantView, viewOf } from '../../tenant.view';
import { OnboardTenantCommand } from './onboard-tenant.command';

@CommandHandler(OnboardTenantCommand)
export class OnboardTenantHandler implements ICommandHandler<OnboardTenantCommand, TenantView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenants: TenantBindingRepository,
    private readonly clock: Clock,
  ) {}

  execute(cmd: OnboardTenantCommand): Promise<TenantView> {
    const { input } = cmd;
    return this.uow.run(cmd, async () => {
      const binding = RuntimeTenantBinding.onboard(input, this.clock.now());
      await this.tenants.save(binding);
      return viewOf(binding, NO_USAGE);
    });
  }
}
