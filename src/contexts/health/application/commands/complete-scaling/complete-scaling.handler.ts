import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { ScalingPolicyRepository } from '../../../domain/health.repository';
import { CompleteScalingCommand } from './complete-scaling.command';

/** Records what became of a decision's scale operation (once: a repeated outcome changes nothing). */
@CommandHandler(CompleteScalingCommand)
export class CompleteScalingHandler implements ICommandHandler<CompleteScalingCommand, { applied: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly policies: ScalingPolicyRepository,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CompleteScalingCommand): Promise<{ applied: boolean }> {
    return this.uow.run<CompleteScalingCommand, { applied: boolean }>(cmd, async (note) => {
      const found = await this.policies.findByOperation(cmd.operationId);
      if (!found) return unchanged({ applied: false });
      const { policy, decisionId } = found;
      note.projectId = policy.projectId;
      note.tenantId = policy.snapshot().tenantId;
      if (!policy.complete(decisionId, cmd.outcome, this.clock.now())) return unchanged({ applied: false });
      await this.policies.save(policy);
      return { applied: true };
    });
  }
}
