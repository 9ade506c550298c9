import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AgentTokenKeys } from '@rcp/auth';
import { Clock, DomainError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { AgentKeyRepository } from '../../../domain/access.repository';
import { sameHash } from '../../../domain/agent-credential';
import { refusedCredential } from '../../../domain/agent-enrollment';
import { AgentTokenView } from '../../access.views';
import { IssueAgentTokenCommand } from './issue-agent-token.command';

/** Signs an agent token for an active key, with the key's environment and capabilities, and remembers the use. */
@CommandHandler(IssueAgentTokenCommand)
export class IssueAgentTokenHandler implements ICommandHandler<IssueAgentTokenCommand, AgentTokenView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly keys: AgentKeyRepository,
    private readonly tokenKeys: AgentTokenKeys,
    private readonly clock: Clock,
  ) {}

  execute(cmd: IssueAgentTokenCommand): Promise<AgentTokenView> {
    return this.uow.run(cmd, async (note) => {
      const key = await this.keys.findByLookup(cmd.agentKey.lookup);
      if (!key || !sameHash(key.snapshot().secretHash, cmd.agentKey.hash)) throw refusedCredential('unknown agent key');
      const now = this.clock.now();
      key.use(now);
      const s = key.snapshot();
      note.projectId = s.projectId;
      const unavailable = this.tokenKeys.unavailable();
      if (unavailable) throw new DomainError('precondition_failed', `No agent token can be issued: ${unavailable}`, { reasons: [unavailable] });
      await this.keys.recordUse(key);
      const { token, expiresAt } = this.tokenKeys.sign({ keyId: s.id, tenantId: s.tenantId, projectId: s.projectId, environmentId: s.environmentId, capabilities: s.capabilities }, now);
      return {
        token,
        tokenType: 'Bearer',
        expiresAt: expiresAt.toISOString(),
        expiresIn: Math.ceil((expiresAt.getTime() - now.getTime()) / 1000),
        environmentId: s.environmentId,
        capabilities: s.capabilities,
      };
    });
  }
}
