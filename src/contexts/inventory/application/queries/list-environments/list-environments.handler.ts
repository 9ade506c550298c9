import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Cursors } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { environmentView } from '../../environment.view';
import { EnvironmentPage, ListEnvironmentsQuery } from './list-environments.query';

@QueryHandler(ListEnvironmentsQuery)
export class ListEnvironmentsHandler implements IQueryHandler<ListEnvironmentsQuery, EnvironmentPage> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly environments: RuntimeEnvironmentRepository,
  ) {}

  execute({ filter }: ListEnvironmentsQuery): Promise<EnvironmentPage> {
    return this.tx.read(async () => {
      const rows = await this.environments.page(filter);
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      const more = rows.length > filter.limit;
      return {
        items: page.map((e) => environmentView(e.snapshot())),
        nextCursor: more && last ? Cursors.encode({ t: last.snapshot().createdAt.toISOString(), id: last.id }) : null,
      };
    });
  }
}
