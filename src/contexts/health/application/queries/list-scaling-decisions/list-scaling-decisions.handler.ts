import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { ScalingPolicyRepository } from '../../../domain/health.repository';
import { reachEnvironment } from '../../health-access';
import { ScalingDecisionView, scalingDecisionView } from '../../health.views';
import { HealthDirectory } from '../../read-models/health-read-models';
import { DECISIONS_KEYSET, ListScalingDecisionsQuery } from './list-scaling-decisions.query';

@QueryHandler(ListScalingDecisionsQuery)
export class ListScalingDecisionsHandler implements IQueryHandler<ListScalingDecisionsQuery, Page<ScalingDecisionView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly policies: ScalingPolicyRepository,
    private readonly directory: HealthDirectory,
  ) {}

  execute(q: ListScalingDecisionsQuery): Promise<Page<ScalingDecisionView>> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const rows = await this.policies.pageDecisions(env.environmentId, q.limit, q.after, q.service);
      return DECISIONS_KEYSET.page(rows, q.limit, (d) => scalingDecisionView(d, d.service), (d) => ({ t: d.madeAt.toISOString(), id: d.id }));
    });
  }
}
