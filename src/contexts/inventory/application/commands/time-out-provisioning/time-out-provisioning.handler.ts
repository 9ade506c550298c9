import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { TimeOutProvisioningCommand } from './time-out-provisioning.command';

@CommandHandler(TimeOutProvisioningCommand)
export class TimeOutProvisioningHandler implements ICommandHandler<TimeOutProvisioningCommand, { timedOut: boolean }> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute({ environmentId, roundStartedAt }: TimeOutProvisioningCommand): Promise<{ timedOut: boolean }> {
    return this.tx.run(async () => {
      const env = await this.environments.findById(environmentId);
      if (!env) return { timedOut: false };
      // Decide first, so the timers of rounds that finished in time leave no audit row behind.
      const { timedOut, next } = env.timeOutProvisioning(roundStartedAt, this.scheduler.timeoutSeconds, this.clock.now());
      if (!timedOut) return { timedOut: false };
      return this.uow.execute(
        { action: 'environment.provisioning-timeout', targetType: 'environment', targetId: env.id, tenantId: env.tenantId, details: { roundStartedAt } },
        async () => {
          const reason = env.snapshot().failureReason ?? `Provisioning did not finish within ${this.scheduler.timeoutSeconds} s`;
          await this.environments.save(env);
          await this.scheduler.afterCompletion(env, 'provision', next, 0, { succeeded: false, reason });
          return { timedOut: true };
        },
      );
    });
  }
}
