import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { unchanged, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { TimeOutProvisioningCommand } from './time-out-provisioning.command';

@CommandHandler(TimeOutProvisioningCommand)
export class TimeOutProvisioningHandler implements ICommandHandler<TimeOutProvisioningCommand, { timedOut: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: TimeOutProvisioningCommand): Promise<{ timedOut: boolean }> {
    return this.uow.run<TimeOutProvisioningCommand, { timedOut: boolean }>(cmd, async (note) => {
      const env = await this.environments.findById(cmd.environmentId);
      if (!env) return unchanged({ timedOut: false });
      // The timers of rounds that finished in time change nothing and leave no audit row behind.
      const { timedOut, next } = env.timeOutProvisioning(cmd.roundStartedAt, this.scheduler.timeoutSeconds, this.clock.now());
      if (!timedOut) return unchanged({ timedOut: false });
      note.tenantId = env.tenantId;
      const reason = env.snapshot().failureReason ?? `Provisioning did not finish within ${this.scheduler.timeoutSeconds} s`;
      await this.environments.save(env);
      await this.scheduler.afterCompletion(env, 'provision', next, 0, { succeeded: false, reason });
      return { timedOut: true };
    });
  }
}
