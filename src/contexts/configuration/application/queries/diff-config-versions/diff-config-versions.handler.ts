import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { diffContent } from '../../../domain/runtime-config-content';
import { ConfigDiffView } from '../../configuration.views';
import { ConfigVersions } from '../../config-versions';
import { DiffConfigVersionsQuery } from './diff-config-versions.query';

@QueryHandler(DiffConfigVersionsQuery)
export class DiffConfigVersionsHandler implements IQueryHandler<DiffConfigVersionsQuery, ConfigDiffView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly versions: ConfigVersions,
  ) {}

  execute(q: DiffConfigVersionsQuery): Promise<ConfigDiffView> {
    return this.tx.read(async () => {
      const to = await this.versions.reach(q.environmentId, q.service, q.to, q.scope);
      const from = await this.versions.reach(q.environmentId, q.service, q.from, q.scope);
      return { environmentId: to.environmentId, service: q.service, from: q.from, to: q.to, ...diffContent(from.version, to.version) };
    });
  }
}
