import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { PresentedCredential } from '../../../domain/agent-credential';
import { IssuedAgentKeyView } from '../../access.views';

/** Redeems an enrollment token (the bearer of the request) for an agent key, once. */
@AuditedCommand<RedeemAgentEnrollmentCommand, IssuedAgentKeyView>({
  action: 'agent-enrollment.redeem',
  targetType: 'agent-key',
  targetId: (_c, result) => result?.id ?? null,
  details: (c) => ({ enrollment: `rcpet_${c.enrollmentToken.lookup}` }),
})
export class RedeemAgentEnrollmentCommand extends Command<IssuedAgentKeyView> {
  constructor(readonly enrollmentToken: PresentedCredential) {
    super();
  }
}
