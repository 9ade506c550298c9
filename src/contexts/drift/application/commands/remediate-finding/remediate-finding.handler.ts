import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, NotFoundError, VersionConflictError, canSee } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { DriftFindingRepository, EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { planRemediation } from '../../../domain/remediation-policy';
import { DriftFindingView, findingView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { RemediateFindingCommand } from './remediate-finding.command';

/**
 * Manual remediation: the person's request does not need the policy's mode, allow list or windows (those
 * govern auto-remediation), but a finding that no deployment can correct (an unexpected service) or one
 * whose named action does not apply is refused with its reason (409 precondition_failed).
 */
@CommandHandler(RemediateFindingCommand)
export class RemediateFindingHandler implements ICommandHandler<RemediateFindingCommand, DriftFindingView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly findings: DriftFindingRepository,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RemediateFindingCommand): Promise<DriftFindingView> {
    return this.uow.run(cmd, async (note) => {
      const f = await this.findings.findById(cmd.findingId);
      const s = f?.snapshot();
      if (!f || !s || !canSee(cmd.scope, s.projectId)) throw new NotFoundError('Drift finding', cmd.findingId);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== f.version) throw new VersionConflictError(cmd.expectedVersion, f.version);
      note.projectId = s.projectId;
      const now = this.clock.now();
      const drift = await this.drifts.find(s.environmentId);
      const declared = drift?.desired?.services.find((x) => x.name === s.service) ?? null;
      const desired = declared ? { image: declared.image, replicas: declared.replicas, configChecksum: declared.configChecksum } : null;
      const picture = await this.directory.picture(s.environmentId);
      const plan = planRemediation(s.kind, desired, picture.succeeded.get(s.service) ?? []);
      const refuse = (reason: string) => new DomainError('precondition_failed', `Finding ${f.id} cannot be remediated: ${reason}`, { reasons: [reason] });
      if (f.state === 'open' && plan.action === null) throw refuse(plan.reason);
      let action = plan.action ?? 'redeploy';
      let toRevision = plan.action ? plan.toRevision : null;
      if (cmd.action && cmd.action !== action) {
        if (cmd.action === 'redeploy' && desired) {
          action = 'redeploy';
          toRevision = null;
        } else throw refuse(`${cmd.action} does not apply: drift would ${action} (${action === 'redeploy' ? `deploy ${desired?.image}` : `deploy revision ${toRevision} again`})`);
      }
      f.requestRemediation({ action, toRevision, desired, automatic: false, by: cmd.by }, now);
      await this.findings.save(f);
      return findingView(f);
    });
  }
}
