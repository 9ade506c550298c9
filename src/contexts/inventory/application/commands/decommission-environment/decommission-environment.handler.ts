import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { DecommissionResult } from '../../../domain/runtime-environment.aggregate';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { loadForChange } from '../../load-environment';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { DecommissionEnvironmentCommand } from './decommission-environment.command';

/**
 * Starts decommissioning (the job that follows it is the answer's `jobId`), defers it until
 * provisioning settles, or, for an environment that never reached infrastructure, ends it at once
 * (and with it the provisioning job that never started). The audit row belongs to the environment's
 * tenant, also when a platform admin or the system asked.
 */
@CommandHandler(DecommissionEnvironmentCommand)
export class DecommissionEnvironmentHandler implements ICommandHandler<DecommissionEnvironmentCommand, EnvironmentJobView & { outcome: DecommissionResult }> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute({ input }: DecommissionEnvironmentCommand): Promise<EnvironmentJobView & { outcome: DecommissionResult }> {
    return this.tx.run(async () => {
      const env = await loadForChange(this.environments, input.environmentId, input.scope, input.expectedVersion);
      return this.uow.execute(
        {
          action: 'environment.decommission',
          targetType: 'environment',
          targetId: input.environmentId,
          tenantId: env.tenantId,
          details: { reason: input.reason, whenSettled: !!input.whenSettled },
        },
        async () => {
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
    });
  }
}
