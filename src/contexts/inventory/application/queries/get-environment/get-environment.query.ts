import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../access-scope';
import { EnvironmentView } from '../../environment.view';

/** One environment; another tenant's (row-level security) or another project's (token scope) is not found. */
export class GetEnvironmentQuery extends Query<EnvironmentView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
