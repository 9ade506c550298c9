import { Query } from '@nestjs/cqrs';
import { TenantView } from '../../tenant.view';

/** One tenant binding; row-level security hides other tenants' bindings from tenant tokens. */
export class GetTenantQuery extends Query<TenantView> {
  constructor(readonly tenantId: string) {
    super();
  }
}
