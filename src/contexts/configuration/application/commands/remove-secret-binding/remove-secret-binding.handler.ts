import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, NotFoundError, VersionConflictError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { SecretBindingView, secretBindingView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { RemoveSecretBindingCommand } from './remove-secret-binding.command';

/** Removes a live binding by name (also in an environment that is going away: that is its cleanup). */
@CommandHandler(RemoveSecretBindingCommand)
export class RemoveSecretBindingHandler implements ICommandHandler<RemoveSecretBindingCommand, SecretBindingView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RemoveSecretBindingCommand): Promise<SecretBindingView> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.environments, cmd.environmentId, cmd.scope);
      const binding = await this.bindings.findByName(env.environmentId, cmd.name);
      if (!binding) throw new NotFoundError('Secret binding', cmd.name);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== binding.version) throw new VersionConflictError(cmd.expectedVersion, binding.version);
      note.projectId = binding.projectId;
      binding.remove(this.clock.now());
      await this.bindings.save(binding);
      return secretBindingView(binding.snapshot(), binding.version);
    });
  }
}
