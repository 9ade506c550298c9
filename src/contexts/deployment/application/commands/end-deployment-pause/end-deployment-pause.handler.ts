import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { RolloutDriver } from '../../rollout-driver';
import { EndDeploymentPauseCommand } from './end-deployment-pause.command';

/** Ends the pause the job was set for; a pause already left (promoted, resumed, aborted) or not yet due changes nothing. */
@CommandHandler(EndDeploymentPauseCommand)
export class EndDeploymentPauseHandler implements ICommandHandler<EndDeploymentPauseCommand, { resumed: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly driver: RolloutDriver,
    private readonly clock: Clock,
  ) {}

  execute(cmd: EndDeploymentPauseCommand): Promise<{ resumed: boolean }> {
    return this.uow.run<EndDeploymentPauseCommand, { resumed: boolean }>(cmd, async (note) => {
      const d = await this.deployments.findById(cmd.deploymentId);
      if (!d || d.snapshot().currentStep !== cmd.step) return unchanged({ resumed: false });
      const now = this.clock.now();
      const until = d.snapshot().pausedUntil;
      if (d.state === 'paused' && until && until > now) {
        // Woken early (a delay is not exact): set the timer again for what is left.
        await this.driver.follow(d, 'progressing', now);
        return unchanged({ resumed: false });
      }
      if (!d.pauseElapsed(now)) return unchanged({ resumed: false });
      note.projectId = d.snapshot().projectId;
      await this.driver.follow(d, 'paused', now);
      await this.deployments.save(d);
      return { resumed: true };
    });
  }
}
