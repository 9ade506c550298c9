import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { ConfigDiffView } from '../../configuration.views';

/** What changed from version `from` to version `to` of one service's configuration. */
export class DiffConfigVersionsQuery extends Query<ConfigDiffView> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly from: number,
    readonly to: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
