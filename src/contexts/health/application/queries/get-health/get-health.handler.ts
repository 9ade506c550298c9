import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { HealthCheckResultRepository } from '../../../domain/health.repository';
import { reachEnvironment } from '../../health-access';
import { EnvironmentHealthView, healthView } from '../../health.views';
import { HealthDirectory } from '../../read-models/health-read-models';
import { GetHealthQuery } from './get-health.query';

@QueryHandler(GetHealthQuery)
export class GetHealthHandler implements IQueryHandler<GetHealthQuery, EnvironmentHealthView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly results: HealthCheckResultRepository,
    private readonly directory: HealthDirectory,
  ) {}

  execute(q: GetHealthQuery): Promise<EnvironmentHealthView> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      return { environmentId: env.environmentId, services: (await this.results.ofEnvironment(env.environmentId)).map((r) => healthView(r.snapshot())) };
    });
  }
}
