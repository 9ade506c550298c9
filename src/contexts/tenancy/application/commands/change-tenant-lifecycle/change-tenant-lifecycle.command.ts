import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { TenantView } from '../../tenant.view';

export type TenantLifecycleAction = 'suspend' | 'reactivate' | 'offboard';

/** Suspends, reactivates or offboards a tenant (offboarding is terminal). */
@AuditedCommand<ChangeTenantLifecycleCommand>({
  action: 'tenant.{action}',
  targetType: 'tenant',
  targetId: (c) => c.tenantId,
  tenantId: (c) => c.tenantId,
  details: (c) => ({ reason: c.reason }),
})
export class ChangeTenantLifecycleCommand extends Command<TenantView> {
  constructor(
    readonly tenantId: string,
    readonly action: TenantLifecycleAction,
    readonly reason: string | null,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
