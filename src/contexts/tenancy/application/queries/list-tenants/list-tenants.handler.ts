import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Cursors } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { viewOf } from '../../tenant.view';
import { ListTenantsQuery, TenantPage } from './list-tenants.query';

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
      const page = rows.slice(0, filter.limit);
      const items = [];
      for (const b of page) items.push(viewOf(b, await this.usage.usageOf(b.id)));
      const last = page[page.length - 1];
      const more = rows.length > filter.limit;
      return { items, nextCursor: more && last ? Cursors.encode({ t: last.snapshot().createdAt.toISOString(), id: last.id }) : null };
    });
  }
}
