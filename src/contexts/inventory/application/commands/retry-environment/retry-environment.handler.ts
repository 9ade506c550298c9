import { CommandHandler } from '@nestjs/cqrs';
import { RuntimeEnvironment } from '../../../domain/runtime-environment.aggregate';
import { EnvironmentChangeHandler, environmentTarget } from '../../environment-change';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { RetryEnvironmentCommand } from './retry-environment.command';

@CommandHandler(RetryEnvironmentCommand)
export class RetryEnvironmentHandler extends EnvironmentChangeHandler<RetryEnvironmentCommand, void, EnvironmentJobView> {
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
