import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock, VersionConflictError } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { ScalingPolicyRepository } from '../../../domain/health.repository';
import { ScalingPolicy } from '../../../domain/scaling-policy.aggregate';
import { reachEnvironment } from '../../health-access';
import { ScalingPolicyView, scalingPolicyView } from '../../health.views';
import { HealthDirectory } from '../../read-models/health-read-models';
import { SetScalingPolicyCommand } from './set-scaling-policy.command';

/** PUT semantics: creates the policy or replaces it (If-Match on a replacement); the same policy again changes nothing. */
@CommandHandler(SetScalingPolicyCommand)
export class SetScalingPolicyHandler implements ICommandHandler<SetScalingPolicyCommand, ScalingPolicyView & { created: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly policies: ScalingPolicyRepository,
    private readonly directory: HealthDirectory,
    private readonly clock: Clock,
  ) {}

  execute(cmd: SetScalingPolicyCommand): Promise<ScalingPolicyView & { created: boolean }> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope, { ready: true });
      note.projectId = env.projectId;
      const now = this.clock.now();
      const existing = await this.policies.find(env.environmentId, cmd.service, { lock: true });
      if (existing && cmd.expectedVersion !== undefined && cmd.expectedVersion !== existing.version) throw new VersionConflictError(cmd.expectedVersion, existing.version);
      if (!existing && cmd.expectedVersion !== undefined) throw new VersionConflictError(cmd.expectedVersion, 0);
      const policy = existing ?? ScalingPolicy.create({ id: randomUUID(), tenantId: env.tenantId, projectId: env.projectId, environmentId: env.environmentId, service: cmd.service }, cmd.policy, now);
      if (existing && !existing.change(cmd.policy, now)) return unchanged({ ...scalingPolicyView(existing.snapshot(), existing.version), created: false });
      await this.policies.save(policy);
      return { ...scalingPolicyView(policy.snapshot(), policy.version), created: !existing };
    });
  }
}
