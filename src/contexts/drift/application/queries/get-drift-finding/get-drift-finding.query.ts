import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { DriftFindingView } from '../../drift.views';

export class GetDriftFindingQuery extends Query<DriftFindingView> {
  constructor(
    readonly findingId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
