import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { EnvironmentView, environmentView } from '../../environment.view';
import { ENVIRONMENTS_KEYSET, ListEnvironmentsQuery } from './list-environments.query';

@QueryHandler(ListEnvironmentsQuery)
export class ListEnvironmentsHandler implements IQueryHandler<ListEnvironmentsQuery, Page<EnvironmentView>> {
  constructor(private readonly environments: RuntimeEnvironmentRepository) {}

  /** One statement, one round trip: no transaction of its own (the repository reads in one trip). */
  async execute({ filter }: ListEnvironmentsQuery): Promise<Page<EnvironmentView>> {
    const rows = await this.environments.page(filter);
    return ENVIRONMENTS_KEYSET.page(rows, filter.limit, (e) => environmentView(e.snapshot()), (e) => ({ t: e.snapshot().createdAt.toISOString(), id: e.id }));
  }
}
