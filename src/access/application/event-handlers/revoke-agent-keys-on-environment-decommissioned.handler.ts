import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { EnvironmentDecommissionedV1 } from '../../../contexts/inventory/contracts';
import { AgentKeyRepository } from '../../domain/access.repository';
import { RevokeAgentKeyCommand } from '../commands/revoke-agent-key/revoke-agent-key.command';

/**
 * A decommissioned environment has no agent: each of its active keys is revoked (one audited revocation
 * each, by `system`), in the delivery's transaction. Redelivery finds none left. Its enrollments need
 * nothing: only a ready environment's can be redeemed.
 */
@EventsHandler(EnvironmentDecommissionedV1)
export class RevokeAgentKeysOnEnvironmentDecommissionedHandler implements IEventHandler<EnvironmentDecommissionedV1> {
  constructor(
    private readonly commands: CommandBus,
    private readonly keys: AgentKeyRepository,
  ) {}

  async handle(e: EnvironmentDecommissionedV1): Promise<void> {
    for (const key of await this.keys.activeOf(e.data.environmentId)) {
      await this.commands.execute(new RevokeAgentKeyCommand(e.data.environmentId, key.id, 'environment decommissioned', 'system'));
    }
  }
}
