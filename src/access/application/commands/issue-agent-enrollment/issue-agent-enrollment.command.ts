import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { AgentEnrollmentView } from '../../access.views';

/** Issues a one-time enrollment token for an agent of one ready environment. */
@AuditedCommand<IssueAgentEnrollmentCommand, AgentEnrollmentView>({
  action: 'agent-enrollment.issue',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  details: (c) => ({ capabilities: c.capabilities ?? 'all' }),
})
export class IssueAgentEnrollmentCommand extends Command<AgentEnrollmentView> {
  constructor(
    readonly environmentId: string,
    /** The capabilities of the key it will be redeemed for; undefined: every known one. */
    readonly capabilities: string[] | undefined,
    readonly issuedBy: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
