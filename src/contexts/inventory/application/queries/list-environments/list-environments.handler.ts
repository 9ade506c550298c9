import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { environmentView } from '../../environment.view';
import { ENVIRONMENTS_KEYSET, EnvironmentPage, ListEnvironmentsQuery } from './list-environments.query';

@QueryHandler(ListEnvironmentsQuery)
export class ListEnvironmentsHandler implements IQueryHandler<ListEnvironmentsQuery, EnvironmentPage> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly environments: RuntimeEnvironmentRepository,
  ) {}

  execute({ filter }: ListEnvironmentsQuery): Promise<EnvironmentPage> {
    return this.tx.read(async () => {
      const rows = await this.environments.page(filter);
      return ENVIRONMENTS_KEYSET.page(rows, filter.limit, (e) => environmentView(e.snapshot()), (e) => ({ t: e.snapshot().createdAt.toISOString(), id: e.id }));
    });
  }
}
