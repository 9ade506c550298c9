import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { DeploymentView } from '../../deployment.views';

export class GetDeploymentQuery extends Query<DeploymentView> {
  constructor(
    readonly deploymentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
