import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, VersionConflictError } from '@rcp/ddd';
import { TransactionManager, UnitOfWork, unchanged } from '@rcp/persistence';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { EnvironmentDrift } from '../../../domain/environment-drift.aggregate';
import { reachEnvironment } from '../../drift-access';
import { DriftScheduleTable } from '../../drift-schedule.table';
import { RemediationPolicyView, policyView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { SetRemediationPolicyCommand } from './set-remediation-policy.command';

/** PUT semantics, If-Match against the environment's drift record; the same policy again changes nothing. A new policy is applied at the next reconciliation, brought forward. */
@CommandHandler(SetRemediationPolicyCommand)
export class SetRemediationPolicyHandler implements ICommandHandler<SetRemediationPolicyCommand, RemediationPolicyView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
    private readonly clock: Clock,
  ) {}

  execute(cmd: SetRemediationPolicyCommand): Promise<RemediationPolicyView> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope);
      note.projectId = env.projectId;
      const now = this.clock.now();
      const existing = await this.drifts.find(env.environmentId, { lock: true });
      const version = existing?.policyVersion ?? 0;
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== version) throw new VersionConflictError(cmd.expectedVersion, version);
      const drift = existing ?? EnvironmentDrift.open(env, now);
      if (!drift.setPolicy(cmd.policy, now) && existing) return unchanged(policyView(drift));
      await this.drifts.save(drift);
      await DriftScheduleTable.soon(this.tx.manager(), env.environmentId, 0);
      return policyView(drift);
    });
  }
}
