import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { SecretBindingView, secretBindingView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { GetSecretBindingQuery } from './get-secret-binding.query';

@QueryHandler(GetSecretBindingQuery)
export class GetSecretBindingHandler implements IQueryHandler<GetSecretBindingQuery, SecretBindingView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
  ) {}

  execute(q: GetSecretBindingQuery): Promise<SecretBindingView> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.environments, q.environmentId, q.scope);
      const binding = await this.bindings.findByName(env.environmentId, q.name);
      if (!binding) throw new NotFoundError('Secret binding', q.name);
      return secretBindingView(binding.snapshot(), binding.version);
    });
  }
}
