import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { AgentKeyView } from '../../access.views';

/** Revokes an agent key: no new token for it, and its tokens stop working (docs/security.md says how soon). */
@AuditedCommand<RevokeAgentKeyCommand, AgentKeyView>({
  action: 'agent-key.revoke',
  targetType: 'agent-key',
  targetId: (c) => c.keyId,
  details: (c) => ({ reason: c.reason }),
})
export class RevokeAgentKeyCommand extends Command<AgentKeyView> {
  constructor(
    readonly environmentId: string,
    readonly keyId: string,
    readonly reason: string,
    readonly revokedBy: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
