import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { EnvironmentHealthView } from '../../health.views';

/** The health of every service (and revision) of an environment. */
export class GetHealthQuery extends Query<EnvironmentHealthView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
