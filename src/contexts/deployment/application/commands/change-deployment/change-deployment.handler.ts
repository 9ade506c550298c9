import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, NotFoundError, VersionConflictError, canSee } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { RuntimeDeployment } from '../../../domain/runtime-deployment.aggregate';
import { deploymentView, DeploymentView } from '../../deployment.views';
import { RolloutDriver } from '../../rollout-driver';
import { CreateDeploymentCommand } from '../create-deployment/create-deployment.command';
import { ChangeDeploymentCommand } from './change-deployment.command';

@CommandHandler(ChangeDeploymentCommand)
export class ChangeDeploymentHandler implements ICommandHandler<ChangeDeploymentCommand, DeploymentView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly driver: RolloutDriver,
    private readonly commands: CommandBus,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ChangeDeploymentCommand): Promise<DeploymentView> {
    return this.uow.run(cmd, async (note) => {
      const d = await this.deployments.findById(cmd.deploymentId);
      if (!d || !canSee(cmd.scope, d.snapshot().projectId)) throw new NotFoundError('Deployment', cmd.deploymentId);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== d.version) throw new VersionConflictError(cmd.expectedVersion, d.version);
      note.projectId = d.snapshot().projectId;
      if (cmd.action === 'rollback' && d.finished) return this.redeployEarlier(d, cmd);
      const now = this.clock.now();
      const before = d.state;
      switch (cmd.action) {
        case 'promote':
          if (!d.promote(cmd.by, now)) return unchanged(deploymentView(d));
          break;
        case 'rollback':
          d.rollBack(cmd.by, cmd.reason, now);
          break;
        case 'abort':
          d.abort(cmd.by, cmd.reason, now);
          break;
        case 'resume':
          d.resume(cmd.by, now);
          break;
      }
      const jobId = await this.driver.follow(d, before, now);
      await this.deployments.save(d);
      return deploymentView(d, d.version + 1, jobId);
    });
  }

  /**
   * Rolling back a finished deployment deploys an earlier succeeded release again, whole (image,
   * configuration version, secret bindings), as a new deployment with `reason: rollback`.
   */
  private async redeployEarlier(d: RuntimeDeployment, cmd: ChangeDeploymentCommand): Promise<DeploymentView> {
    const s = d.snapshot();
    const target = cmd.toRevision ?? (s.state === 'succeeded' ? s.previous?.revision : undefined) ?? undefined;
    const release = target !== undefined ? await this.deployments.succeededRelease(s.environmentId, s.service, target) : null;
    if (!release) {
      const reason = target === undefined ? `deployment ${d.id} has no earlier succeeded revision to roll back to` : `revision ${target} of ${s.service} never succeeded in this environment`;
      throw new DomainError('precondition_failed', reason, { reasons: [reason] });
    }
    return this.commands.execute(
      new CreateDeploymentCommand(
        {
          environmentId: s.environmentId,
          service: s.service,
          image: release.image,
          configVersion: release.configVersion,
          secretBindings: release.secretBindings,
          strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0 },
          healthGate: s.healthGate,
          replicas: s.replicas,
          reason: 'rollback',
        },
        cmd.by,
        cmd.scope,
      ),
    );
  }
}
