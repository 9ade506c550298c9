import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { loadForChange } from '../../load-environment';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { RetryEnvironmentCommand } from './retry-environment.command';

@CommandHandler(RetryEnvironmentCommand)
export class RetryEnvironmentHandler implements ICommandHandler<RetryEnvironmentCommand, EnvironmentJobView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RetryEnvironmentCommand): Promise<EnvironmentJobView> {
    return this.uow.execute({ action: 'environment.retry', targetType: 'environment', targetId: cmd.environmentId }, async () => {
      const env = await loadForChange(this.environments, cmd.environmentId, cmd.scope, cmd.expectedVersion);
      env.retry(this.clock.now());
      await this.environments.save(env);
      const jobId = await this.scheduler.provision(env);
      return { environment: environmentView(env.snapshot()), jobId };
    });
  }
}
