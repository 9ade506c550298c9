import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { viewOf } from '../../tenant.view';
import { ListTenantsQuery, TENANTS_KEYSET, TenantPage } from './list-tenants.query';

@QueryHandler(ListTenantsQuery)
export class ListTenantsHandler implements IQueryHandler<ListTenantsQuery, TenantPage> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
  ) {}

  execute({ filter }: ListTenantsQuery): Promise<TenantPage> {
    return this.tx.read(async () => {
      const rows = await this.tenants.page(filter);
      const page = TENANTS_KEYSET.page(rows, filter.limit, (b) => b, (b) => ({ t: b.snapshot().createdAt.toISOString(), id: b.id }));
      const items = [];
      for (const b of page.items) items.push(viewOf(b, await this.usage.usageOf(b.id)));
      return { items, nextCursor: page.nextCursor };
    });
  }
}
