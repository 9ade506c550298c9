import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { SecretBindingView, secretBindingView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { ListSecretBindingsQuery, SECRET_BINDINGS_KEYSET } from './list-secret-bindings.query';

@QueryHandler(ListSecretBindingsQuery)
export class ListSecretBindingsHandler implements IQueryHandler<ListSecretBindingsQuery, Page<SecretBindingView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
  ) {}

  execute(q: ListSecretBindingsQuery): Promise<Page<SecretBindingView>> {
    return this.tx.read(async () => {
      const env = await reachEnvironment(this.environments, q.environmentId, q.scope);
      const rows = await this.bindings.page(env.environmentId, q.limit, q.after);
      return SECRET_BINDINGS_KEYSET.page(rows, q.limit, (b) => secretBindingView(b.snapshot(), b.version), (b) => ({ t: b.snapshot().createdAt.toISOString(), id: b.id }));
    });
  }
}
