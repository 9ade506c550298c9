import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { PresentedCredential } from '../../../domain/agent-credential';
import { AgentTokenView } from '../../access.views';

/** Exchanges an agent key (the bearer of the request) for a short-lived agent token. */
@AuditedCommand<IssueAgentTokenCommand, AgentTokenView>({
  action: 'agent-token.issue',
  targetType: 'agent-key',
  targetId: (c) => `rcpak_${c.agentKey.lookup}`,
})
export class IssueAgentTokenCommand extends Command<AgentTokenView> {
  constructor(readonly agentKey: PresentedCredential) {
    super();
  }
}
