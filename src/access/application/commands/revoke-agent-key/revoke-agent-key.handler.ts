import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AgentKeyStatus } from '@rcp/auth';
import { Clock, NotFoundError, VersionConflictError } from '@rcp/ddd';
import { TransactionManager, UnitOfWork, unchanged } from '@rcp/persistence';
import { AgentKeyRepository } from '../../../domain/access.repository';
import { agentKeyView, AgentKeyView } from '../../access.views';
import { reachAgentEnvironment } from '../../environment-access';
import { AccessEnvironments } from '../../read-models/access-environment-read-model';
import { RevokeAgentKeyCommand } from './revoke-agent-key.command';

/** Revokes a key of the environment; revoking a revoked key changes nothing (no second audit row). */
@CommandHandler(RevokeAgentKeyCommand)
export class RevokeAgentKeyHandler implements ICommandHandler<RevokeAgentKeyCommand, AgentKeyView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tx: TransactionManager,
    private readonly keys: AgentKeyRepository,
    private readonly environments: AccessEnvironments,
    private readonly status: AgentKeyStatus,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RevokeAgentKeyCommand): Promise<AgentKeyView> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachAgentEnvironment(this.environments, cmd.environmentId, cmd.scope);
      const key = await this.keys.findById(cmd.keyId);
      if (!key || key.snapshot().environmentId !== env.environmentId) throw new NotFoundError('Agent key', cmd.keyId);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== key.version) throw new VersionConflictError(cmd.expectedVersion, key.version);
      note.projectId = env.projectId;
      if (!key.revoke(cmd.revokedBy, cmd.reason, this.clock.now())) return unchanged(agentKeyView(key));
      await this.keys.save(key);
      this.tx.afterCommit(() => this.status.forget(key.id));
      return { ...agentKeyView(key), version: key.version + 1 };
    });
  }
}
