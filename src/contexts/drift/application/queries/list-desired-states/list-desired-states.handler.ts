import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { reachEnvironment } from '../../drift-access';
import { RecordedDesiredStateView, desiredStateView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { DESIRED_STATES_KEYSET, ListDesiredStatesQuery } from './list-desired-states.query';

@QueryHandler(ListDesiredStatesQuery)
export class ListDesiredStatesHandler implements IQueryHandler<ListDesiredStatesQuery, Page<RecordedDesiredStateView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
  ) {}

  execute(q: ListDesiredStatesQuery): Promise<Page<RecordedDesiredStateView>> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const newest = (await this.drifts.find(env.environmentId))?.desired?.id ?? null;
      const rows = await this.drifts.history(env.environmentId, q.limit, q.before);
      return DESIRED_STATES_KEYSET.page(
        rows,
        q.limit,
        (d) => ({ ...desiredStateView(env.environmentId, d), current: d.id === newest, reason: d.id === newest ? null : 'not the newest snapshot' }),
        (d) => ({ t: d.recordedAt.toISOString(), id: d.id }),
      );
    });
  }
}
