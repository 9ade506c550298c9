import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { ConfigVersionView } from '../../configuration.views';

/** One version of one service's configuration in an environment. */
export class GetConfigVersionQuery extends Query<ConfigVersionView> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly version: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
