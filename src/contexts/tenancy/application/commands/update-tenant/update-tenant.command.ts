import { Command } from '@nestjs/cqrs';
import { IsolationMode } from '../../../domain/placement';
import { QuotasProps } from '../../../domain/quotas.value-object';
import { TenantView } from '../../tenant.view';

export interface TenantChanges {
  displayName?: string;
  quotas?: QuotasProps;
  isolationMode?: IsolationMode;
}

/** Renames a tenant, changes its quotas or (without live environments) its isolation mode. */
export class UpdateTenantCommand extends Command<TenantView> {
  constructor(
    readonly tenantId: string,
    readonly changes: TenantChanges,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
