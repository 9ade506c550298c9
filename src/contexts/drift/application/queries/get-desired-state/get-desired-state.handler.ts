import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { reachEnvironment } from '../../drift-access';
import { DesiredStateView, desiredStateView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { GetDesiredStateQuery } from './get-desired-state.query';

@QueryHandler(GetDesiredStateQuery)
export class GetDesiredStateHandler implements IQueryHandler<GetDesiredStateQuery, DesiredStateView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
  ) {}

  execute(q: GetDesiredStateQuery): Promise<DesiredStateView> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const d = (await this.drifts.find(env.environmentId))?.desired;
      if (!d) throw new NotFoundError('Desired state of environment', env.environmentId);
      return desiredStateView(env.environmentId, d);
    });
  }
}
