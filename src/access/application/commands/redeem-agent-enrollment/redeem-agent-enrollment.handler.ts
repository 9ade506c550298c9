import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { AgentEnrollmentRepository, AgentKeyRepository } from '../../../domain/access.repository';
import { mintCredential, sameHash } from '../../../domain/agent-credential';
import { refusedCredential } from '../../../domain/agent-enrollment';
import { AgentKey } from '../../../domain/agent-key';
import { agentKeyView, IssuedAgentKeyView } from '../../access.views';
import { reachAgentEnvironment } from '../../environment-access';
import { AccessEnvironments } from '../../read-models/access-environment-read-model';
import { RedeemAgentEnrollmentCommand } from './redeem-agent-enrollment.command';

/**
 * One redemption per enrollment: the enrollment row is locked for the transaction, so of two
 * concurrent redemptions the second waits, then finds it used and is refused.
 */
@CommandHandler(RedeemAgentEnrollmentCommand)
export class RedeemAgentEnrollmentHandler implements ICommandHandler<RedeemAgentEnrollmentCommand, IssuedAgentKeyView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: AgentEnrollmentRepository,
    private readonly keys: AgentKeyRepository,
    private readonly environments: AccessEnvironments,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RedeemAgentEnrollmentCommand): Promise<IssuedAgentKeyView> {
    return this.uow.run(cmd, async (note) => {
      const enrollment = await this.enrollments.lockByLookup(cmd.enrollmentToken.lookup);
      if (!enrollment || !sameHash(enrollment.snapshot().secretHash, cmd.enrollmentToken.hash)) throw refusedCredential('unknown enrollment token');
      const e = enrollment.snapshot();
      note.projectId = e.projectId;
      await reachAgentEnvironment(this.environments, e.environmentId, undefined, { ready: true });
      const now = this.clock.now();
      const credential = mintCredential('rcpak');
      const key = AgentKey.issue({
        id: randomUUID(),
        tenantId: e.tenantId,
        projectId: e.projectId,
        environmentId: e.environmentId,
        prefix: credential.prefix,
        lookup: credential.lookup,
        secretHash: credential.hash,
        capabilities: e.capabilities,
        enrollmentId: e.id,
        createdBy: e.createdBy,
        createdAt: now,
      });
      enrollment.redeem(key.id, now);
      await this.keys.add(key);
      await this.enrollments.saveRedemption(enrollment);
      return { ...agentKeyView(key), version: 1, key: credential.secret };
    });
  }
}
