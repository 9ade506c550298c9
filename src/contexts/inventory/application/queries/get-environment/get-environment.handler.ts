import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { assertVisible } from '../../access-scope';
import { EnvironmentView, environmentView } from '../../environment.view';
import { GetEnvironmentQuery } from './get-environment.query';

@QueryHandler(GetEnvironmentQuery)
export class GetEnvironmentHandler implements IQueryHandler<GetEnvironmentQuery, EnvironmentView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly environments: RuntimeEnvironmentRepository,
  ) {}

  execute({ environmentId, scope }: GetEnvironmentQuery): Promise<EnvironmentView> {
    return this.tx.read(async () => environmentView(assertVisible(await this.environments.findById(environmentId), environmentId, scope).snapshot()));
  }
}
