import { CommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { ChangeHandler, unchanged, Unchanged, UnitOfWork } from '@rcp/persistence';
import { Usage } from '../../../domain/quotas.value-object';
import { RuntimeTenantBinding } from '../../../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { TenantView, viewOf } from '../../tenant.view';
import { UpdateTenantCommand } from './update-tenant.command';

/** Applies the fields given; setting the values the tenant already has changes nothing (no version, event or audit row). */
@CommandHandler(UpdateTenantCommand)
export class UpdateTenantHandler extends ChangeHandler<UpdateTenantCommand, RuntimeTenantBinding, Usage, TenantView> {
  constructor(
    uow: UnitOfWork,
    tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
    private readonly clock: Clock,
  ) {
    super(uow, tenants, 'Tenant');
  }

  protected target(cmd: UpdateTenantCommand) {
    return { id: cmd.tenantId, expectedVersion: cmd.expectedVersion };
  }

  protected async apply(binding: RuntimeTenantBinding, { changes }: UpdateTenantCommand): Promise<Usage | Unchanged<Usage>> {
    const usage = await this.usage.usageOf(binding.id);
    const now = this.clock.now();
    if (changes.displayName !== undefined) binding.rename(changes.displayName, now);
    if (changes.isolationMode !== undefined) binding.changeIsolation(changes.isolationMode, usage.environments, now);
    if (changes.quotas !== undefined) binding.changeQuotas(changes.quotas, usage, now);
    return binding.peekEvents().length > 0 ? usage : unchanged(usage);
  }

  protected answer(binding: RuntimeTenantBinding, _: UpdateTenantCommand, usage: Usage): TenantView {
    return viewOf(binding, usage);
  }
}
