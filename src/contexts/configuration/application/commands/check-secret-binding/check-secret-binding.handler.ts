import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, NotFoundError } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { SecretBinding } from '../../../domain/secret-binding.aggregate';
import { SecretBindingView, secretBindingView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { SecretResolver } from '../../ports/secret-resolver.port';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { CheckSecretBindingCommand } from './check-secret-binding.command';

/**
 * Reads the binding, asks its vault outside any transaction, then records the outcome on the binding
 * as it is then (`checkedAt` always; an event only when the status changed). A binding removed or
 * replaced while the vault answered is not found.
 */
@CommandHandler(CheckSecretBindingCommand)
export class CheckSecretBindingHandler implements ICommandHandler<CheckSecretBindingCommand, SecretBindingView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tx: TransactionManager,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
    private readonly resolver: SecretResolver,
    private readonly clock: Clock,
  ) {}

  async execute(cmd: CheckSecretBindingCommand): Promise<SecretBindingView> {
    const before = await this.tx.read(() => this.find(cmd));
    const s = before.snapshot();
    const result = await this.resolver.check({ name: s.name, provider: s.provider, reference: s.reference, identity: s.identity, sealed: s.sealed });
    return this.uow.run(cmd, async (note) => {
      const binding = await this.find(cmd);
      if (binding.id !== before.id) throw new NotFoundError('Secret binding', cmd.name);
      note.projectId = binding.projectId;
      binding.recordCheck(result, this.clock.now());
      await this.bindings.save(binding);
      return secretBindingView(binding.snapshot(), binding.version);
    });
  }

  private async find(cmd: CheckSecretBindingCommand): Promise<SecretBinding> {
    const env = await reachEnvironment(this.environments, cmd.environmentId, cmd.scope);
    const binding = await this.bindings.findByName(env.environmentId, cmd.name);
    if (!binding) throw new NotFoundError('Secret binding', cmd.name);
    return binding;
  }
}
