import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { RolloutDriver } from '../../rollout-driver';
import { CompleteDeploymentOperationCommand } from './complete-deployment-operation.command';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Moves the rollout on from an executor outcome: the next phase of the step is sent, or the step is
 * applied (verified, held at a pause, or the next one started), or the previous release runs again; a
 * failed step rolls back. Runs in the data plane's system context (platform scope: the operation id is
 * all the executor knows), and audits under the deployment's tenant.
 */
@CommandHandler(CompleteDeploymentOperationCommand)
export class CompleteDeploymentOperationHandler implements ICommandHandler<CompleteDeploymentOperationCommand, { applied: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly driver: RolloutDriver,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CompleteDeploymentOperationCommand): Promise<{ applied: boolean }> {
    return this.uow.run<CompleteDeploymentOperationCommand, { applied: boolean }>(cmd, async (note) => {
      if (!UUID.test(cmd.operationId)) return unchanged({ applied: false });
      const d = await this.deployments.findByOperation(cmd.operationId);
      if (!d) return unchanged({ applied: false });
      const s = d.snapshot();
      note.tenantId = s.tenantId;
      note.projectId = s.projectId;
      const before = d.state;
      const now = this.clock.now();
      if (!cmd.outcome.succeeded) {
        if (!d.operationFailed(cmd.operationId, cmd.outcome.reason, now)) return unchanged({ applied: false });
        await this.driver.follow(d, before, now);
      } else {
        // The previous revision takes part in the rollout when some step keeps replicas of it.
        const next = d.operationSucceeded(cmd.operationId, !!s.previous && s.plan.some((p) => p.oldReplicas > 0), now);
        if (next === 'ignored') return unchanged({ applied: false });
        await this.driver.follow(d, before, now, next);
      }
      await this.deployments.save(d);
      return { applied: true };
    });
  }
}
