import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { DesiredStateView } from '../../drift.views';

/** The newest desired state of an environment. */
export class GetDesiredStateQuery extends Query<DesiredStateView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
