import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { ConfigVersionView } from '../../configuration.views';

/** Newest first: the version number. */
export const CONFIG_VERSIONS_KEYSET = new Keyset({ n: 'position' });

/** The versions of one service's configuration in an environment, newest first. */
export class ListConfigVersionsQuery extends Query<Page<ConfigVersionView>> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly limit: number,
    readonly before: number | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
