import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { ScalingPolicyView } from '../../health.views';

export class GetScalingPolicyQuery extends Query<ScalingPolicyView> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
