import { CommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { ChangeHandler, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { RuntimeEnvironment } from '../../../domain/runtime-environment.aggregate';
import { environmentTarget } from '../../access-scope';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { RetryEnvironmentCommand } from './retry-environment.command';

@CommandHandler(RetryEnvironmentCommand)
export class RetryEnvironmentHandler extends ChangeHandler<RetryEnvironmentCommand, RuntimeEnvironment, void, EnvironmentJobView> {
  constructor(
    uow: UnitOfWork,
    environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {
    super(uow, environments, 'Environment');
  }

  protected target(cmd: RetryEnvironmentCommand) {
    return environmentTarget(cmd.environmentId, cmd.scope, cmd.expectedVersion);
  }

  protected apply(env: RuntimeEnvironment): void {
    env.retry(this.clock.now());
  }

  protected async answer(env: RuntimeEnvironment): Promise<EnvironmentJobView> {
    return { environment: environmentView(env.snapshot()), jobId: await this.scheduler.provision(env) };
  }
}
