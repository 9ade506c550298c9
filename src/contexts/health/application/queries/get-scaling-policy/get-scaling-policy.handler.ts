import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { ScalingPolicyRepository } from '../../../domain/health.repository';
import { reachEnvironment } from '../../health-access';
import { ScalingPolicyView, scalingPolicyView } from '../../health.views';
import { HealthDirectory } from '../../read-models/health-read-models';
import { GetScalingPolicyQuery } from './get-scaling-policy.query';

@QueryHandler(GetScalingPolicyQuery)
export class GetScalingPolicyHandler implements IQueryHandler<GetScalingPolicyQuery, ScalingPolicyView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly policies: ScalingPolicyRepository,
    private readonly directory: HealthDirectory,
  ) {}

  execute(q: GetScalingPolicyQuery): Promise<ScalingPolicyView> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const policy = await this.policies.find(env.environmentId, q.service);
      if (!policy) throw new NotFoundError('Scaling policy of service', q.service);
      return scalingPolicyView(policy.snapshot(), policy.version);
    });
  }
}
