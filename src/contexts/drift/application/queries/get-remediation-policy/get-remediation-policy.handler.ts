import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { EnvironmentDrift } from '../../../domain/environment-drift.aggregate';
import { reachEnvironment } from '../../drift-access';
import { RemediationPolicyView, policyView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { GetRemediationPolicyQuery } from './get-remediation-policy.query';

@QueryHandler(GetRemediationPolicyQuery)
export class GetRemediationPolicyHandler implements IQueryHandler<GetRemediationPolicyQuery, RemediationPolicyView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
  ) {}

  execute(q: GetRemediationPolicyQuery): Promise<RemediationPolicyView> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const drift = (await this.drifts.find(env.environmentId)) ?? EnvironmentDrift.open(env, new Date(0));
      return policyView(drift);
    });
  }
}
