import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { AgentTokenKeys, knownAgentCapabilities } from '@rcp/auth';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, DomainError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { AgentEnrollmentRepository } from '../../../domain/access.repository';
import { mintCredential } from '../../../domain/agent-credential';
import { AgentEnrollment } from '../../../domain/agent-enrollment';
import { AgentEnrollmentView, enrollmentView } from '../../access.views';
import { reachAgentEnvironment } from '../../environment-access';
import { AccessEnvironments } from '../../read-models/access-environment-read-model';
import { IssueAgentEnrollmentCommand } from './issue-agent-enrollment.command';

@CommandHandler(IssueAgentEnrollmentCommand)
export class IssueAgentEnrollmentHandler implements ICommandHandler<IssueAgentEnrollmentCommand, AgentEnrollmentView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: AgentEnrollmentRepository,
    private readonly environments: AccessEnvironments,
    private readonly tokenKeys: AgentTokenKeys,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: IssueAgentEnrollmentCommand): Promise<AgentEnrollmentView> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachAgentEnvironment(this.environments, cmd.environmentId, cmd.scope, { ready: true });
      note.projectId = env.projectId;
      const known = knownAgentCapabilities();
      const unknown = (cmd.capabilities ?? []).filter((c) => !known.includes(c));
      if (unknown.length) {
        throw new DomainError('validation_failed', `Unknown agent capabilities: ${unknown.join(', ')} (known: ${known.join(', ')})`, {
          errors: unknown.map((c) => ({ field: 'capabilities', message: `${c} is not a capability of any agent endpoint` })),
        });
      }
      const unavailable = this.tokenKeys.unavailable();
      if (unavailable) throw new DomainError('precondition_failed', `Agents cannot be enrolled: ${unavailable}`, { reasons: [unavailable] });
      const credential = mintCredential('rcpet');
      const enrollment = AgentEnrollment.issue(
        {
          id: randomUUID(),
          tenantId: env.tenantId,
          projectId: env.projectId,
          environmentId: env.environmentId,
          lookup: credential.lookup,
          secretHash: credential.hash,
          capabilities: cmd.capabilities ?? known,
          createdBy: cmd.issuedBy,
        },
        this.clock.now(),
        this.settings.AGENT_ENROLLMENT_TTL_SECONDS,
      );
      await this.enrollments.add(enrollment);
      return enrollmentView(enrollment.snapshot(), credential.secret, credential.prefix);
    });
  }
}
