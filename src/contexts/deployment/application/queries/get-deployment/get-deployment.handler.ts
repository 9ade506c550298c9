import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError, canSee } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { deploymentView, DeploymentView } from '../../deployment.views';
import { GetDeploymentQuery } from './get-deployment.query';

@QueryHandler(GetDeploymentQuery)
export class GetDeploymentHandler implements IQueryHandler<GetDeploymentQuery, DeploymentView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly deployments: DeploymentRepository,
  ) {}

  execute(q: GetDeploymentQuery): Promise<DeploymentView> {
    return this.tx.read(async () => {
      const d = await this.deployments.findById(q.deploymentId);
      if (!d || !canSee(q.scope, d.snapshot().projectId)) throw new NotFoundError('Deployment', q.deploymentId);
      return deploymentView(d);
    });
  }
}
