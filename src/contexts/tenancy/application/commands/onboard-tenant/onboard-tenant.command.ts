import { Command } from '@nestjs/cqrs';
import { IsolationMode } from '../../../domain/placement';
import { QuotasProps } from '../../../domain/quotas.value-object';
import { TenantView } from '../../tenant.view';

/** Onboards a tenant: creates its binding with isolation mode, derived placement and quotas. */
export class OnboardTenantCommand extends Command<TenantView> {
  constructor(readonly input: { id: string; displayName: string; isolationMode: IsolationMode; quotas: QuotasProps }) {
    super();
  }
}
