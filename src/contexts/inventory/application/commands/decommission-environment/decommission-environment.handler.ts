import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { DecommissionResult } from '../../../domain/runtime-environment.aggregate';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { loadForChange } from '../../load-environment';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { DecommissionEnvironmentCommand } from './decommission-environment.command';

@CommandHandler(DecommissionEnvironmentCommand)
export class DecommissionEnvironmentHandler implements ICommandHandler<DecommissionEnvironmentCommand, EnvironmentJobView & { outcome: DecommissionResult }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute({ input }: DecommissionEnvironmentCommand): Promise<EnvironmentJobView & { outcome: DecommissionResult }> {
    return this.uow.execute(
      {
        action: 'environment.decommission',
        targetType: 'environment',
        targetId: input.environmentId,
        details: { reason: input.reason, whenSettled: !!input.whenSettled },
      },
      async () => {
        const env = await loadForChange(this.environments, input.environmentId, input.scope, input.expectedVersion);
        const outcome = env.decommission(input.reason, this.clock.now(), { whenSettled: input.whenSettled });
        if (outcome === 'unchanged') return { environment: environmentView(env.snapshot()), jobId: null, outcome };
        await this.environments.save(env);
        if (outcome === 'decommissioned') {
          await this.scheduler.endRound(env, 'provision', { succeeded: false, reason: `The environment was decommissioned before provisioning started: ${input.reason}` });
        }
        const jobId = outcome === 'started' ? await this.scheduler.decommission(env) : null;
        return { environment: environmentView(env.snapshot()), jobId, outcome };
      },
    );
  }
}
