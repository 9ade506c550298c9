import { Query } from '@nestjs/cqrs';
import { TenantState } from '../../../domain/runtime-tenant-binding.aggregate';
import { TenantView } from '../../tenant.view';

export interface TenantPage {
  items: TenantView[];
  nextCursor: string | null;
}

/** Tenants in onboarding order, keyset-paginated, optionally by lifecycle state. */
export class ListTenantsQuery extends Query<TenantPage> {
  constructor(readonly filter: { state?: TenantState; limit: number; after?: { t: string; id: string } }) {
    super();
  }
}
