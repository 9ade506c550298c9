import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { deploymentView, DeploymentView } from '../../deployment.views';
import { DEPLOYMENTS_KEYSET, ListDeploymentsQuery } from './list-deployments.query';

@QueryHandler(ListDeploymentsQuery)
export class ListDeploymentsHandler implements IQueryHandler<ListDeploymentsQuery, Page<DeploymentView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly deployments: DeploymentRepository,
  ) {}

  execute(q: ListDeploymentsQuery): Promise<Page<DeploymentView>> {
    return this.tx.read(async () => {
      const rows = await this.deployments.page({ ...q.filter, projectIds: q.scope?.projectIds }, q.limit, q.after);
      return DEPLOYMENTS_KEYSET.page(rows, q.limit, (d) => deploymentView(d), (d) => ({ t: d.snapshot().createdAt.toISOString(), id: d.id }));
    });
  }
}
