import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { TenantView, viewOf } from '../../tenant.view';
import { ListTenantsQuery, TENANTS_KEYSET } from './list-tenants.query';

@QueryHandler(ListTenantsQuery)
export class ListTenantsHandler implements IQueryHandler<ListTenantsQuery, Page<TenantView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
  ) {}

  execute({ filter }: ListTenantsQuery): Promise<Page<TenantView>> {
    return this.tx.read(async () => {
      const rows = await this.tenants.page(filter);
      const page = TENANTS_KEYSET.page(rows, filter.limit, (b) => b, (b) => ({ t: b.snapshot().createdAt.toISOString(), id: b.id }));
      // One usage statement for the whole page, not one per tenant.
      const usage = await this.usage.usagesOf(page.items.map((b) => b.id));
      return { items: page.items.map((b) => viewOf(b, usage.get(b.id)!)), nextCursor: page.nextCursor };
    });
  }
}
