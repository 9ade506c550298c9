import { Query } from '@nestjs/cqrs';
import { Keyset, Page } from '@rcp/http';
import { TenantState } from '../../../domain/runtime-tenant-binding.aggregate';
import { TenantView } from '../../tenant.view';

/** Onboarding order: creation time and tenant id. */
export const TENANTS_KEYSET = new Keyset({ t: 'timestamp', id: 'slug' });

/** Tenants in onboarding order, keyset-paginated, optionally by lifecycle state. */
export class ListTenantsQuery extends Query<Page<TenantView>> {
  constructor(readonly filter: { state?: TenantState; limit: number; after?: { t: string; id: string } }) {
    super();
  }
}
