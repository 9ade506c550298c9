import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeConfigurationRepository } from '../../../domain/configuration.repository';
import { ConfigVersionView, configVersionView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { CONFIG_VERSIONS_KEYSET, ListConfigVersionsQuery } from './list-config-versions.query';

@QueryHandler(ListConfigVersionsQuery)
export class ListConfigVersionsHandler implements IQueryHandler<ListConfigVersionsQuery, Page<ConfigVersionView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly configurations: RuntimeConfigurationRepository,
    private readonly environments: EnvironmentDirectory,
  ) {}

  execute(q: ListConfigVersionsQuery): Promise<Page<ConfigVersionView>> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.environments, q.environmentId, q.scope);
      const rows = await this.configurations.pageVersions(env.environmentId, q.service, q.limit, q.before);
      return CONFIG_VERSIONS_KEYSET.page(rows, q.limit, (v) => configVersionView(env.environmentId, q.service, v), (v) => ({ n: v.version }));
    });
  }
}
