import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { EnvironmentDecommissionedV1 } from '../../../inventory/contracts';
import { RemoveSecretBindingCommand } from '../commands/remove-secret-binding/remove-secret-binding.command';
import { SecretBindingRepository } from '../../domain/configuration.repository';

/**
 * A decommissioned environment keeps no secret bindings: each live one is removed (inline values wiped),
 * one audited removal and one published event each, in the delivery's transaction. Redelivery finds
 * none left.
 */
@EventsHandler(EnvironmentDecommissionedV1)
export class RemoveSecretBindingsOnEnvironmentDecommissionedHandler implements IEventHandler<EnvironmentDecommissionedV1> {
  constructor(
    private readonly commands: CommandBus,
    private readonly bindings: SecretBindingRepository,
  ) {}

  async handle(e: EnvironmentDecommissionedV1): Promise<void> {
    for (const binding of await this.bindings.liveOf(e.data.environmentId)) {
      await this.commands.execute(new RemoveSecretBindingCommand(e.data.environmentId, binding.snapshot().name));
    }
  }
}
