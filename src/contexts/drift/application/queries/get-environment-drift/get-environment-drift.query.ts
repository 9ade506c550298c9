import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { EnvironmentDriftView } from '../../drift.views';

export class GetEnvironmentDriftQuery extends Query<EnvironmentDriftView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
