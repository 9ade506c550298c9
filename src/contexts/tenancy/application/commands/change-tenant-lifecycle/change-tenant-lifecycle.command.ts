import { Command } from '@nestjs/cqrs';
import { TenantView } from '../../tenant.view';

export type TenantLifecycleAction = 'suspend' | 'reactivate' | 'offboard';

/** Suspends, reactivates or offboards a tenant (offboarding is terminal). */
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
