import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { IsolationMode } from '../../../domain/placement';
import { QuotasProps } from '../../../domain/quotas.value-object';
import { TenantView } from '../../tenant.view';

export interface TenantChanges {
  displayName?: string;
  quotas?: QuotasProps;
  isolationMode?: IsolationMode;
}

/** Renames a tenant, changes its quotas or (without live environments) its isolation mode. */
@AuditedCommand<UpdateTenantCommand>({
  action: 'tenant.update',
  targetType: 'tenant',
  targetId: (c) => c.tenantId,
  tenantId: (c) => c.tenantId,
  details: (c) => ({ fields: Object.keys(c.changes) }),
})
export class UpdateTenantCommand extends Command<TenantView> {
  constructor(
    readonly tenantId: string,
    readonly changes: TenantChanges,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
