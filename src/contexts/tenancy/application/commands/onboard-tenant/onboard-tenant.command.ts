import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { IsolationMode } from '../../../domain/placement';
import { QuotasProps } from '../../../domain/quotas.value-object';
import { TenantView } from '../../tenant.view';

/** Onboards a tenant: creates its binding with isolation mode, derived placement and quotas. */
@AuditedCommand<OnboardTenantCommand>({ action: 'tenant.onboard', targetType: 'tenant', targetId: (c) => c.input.id, tenantId: (c) => c.input.id })
export class OnboardTenantCommand extends Command<TenantView> {
  constructor(readonly input: { id: string; displayName: string; isolationMode: IsolationMode; quotas: QuotasProps }) {
    super();
  }
}
