import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { DeploymentFilter } from '../../../domain/deployment.repository';
import { DeploymentView } from '../../deployment.views';

/** Creation order: creation time and deployment id. */
export const DEPLOYMENTS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

export class ListDeploymentsQuery extends Query<Page<DeploymentView>> {
  constructor(
    readonly filter: DeploymentFilter,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
