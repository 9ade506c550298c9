import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { ConfigVersionView, configVersionView } from '../../configuration.views';
import { ConfigVersions } from '../../config-versions';
import { GetConfigVersionQuery } from './get-config-version.query';

@QueryHandler(GetConfigVersionQuery)
export class GetConfigVersionHandler implements IQueryHandler<GetConfigVersionQuery, ConfigVersionView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly versions: ConfigVersions,
  ) {}

  execute(q: GetConfigVersionQuery): Promise<ConfigVersionView> {
    return this.tx.read(async () => {
      const { environmentId, version } = await this.versions.reach(q.environmentId, q.service, q.version, q.scope);
      return configVersionView(environmentId, q.service, version);
    });
  }
}
