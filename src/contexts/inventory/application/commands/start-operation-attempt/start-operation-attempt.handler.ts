import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '@rcp/ddd';
import { unchanged, Unchanged, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { StartAttemptResult, StartOperationAttemptCommand } from './start-operation-attempt.command';

/**
 * The attempt's state change and the job that hands it to the provisioner commit together; the
 * provisioner is called only from that job, after this commit, so an executor that answers at once
 * always finds the operation it answers for. The first provisioning attempt of a round also starts
 * the round's timeout.
 */
@CommandHandler(StartOperationAttemptCommand)
export class StartOperationAttemptHandler implements ICommandHandler<StartOperationAttemptCommand, StartAttemptResult> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: StartOperationAttemptCommand): Promise<StartAttemptResult> {
    const { environmentId, kind } = cmd;
    return this.uow.run(cmd, async (note): Promise<StartAttemptResult | Unchanged<StartAttemptResult>> => {
      const env = await this.environments.findById(environmentId);
      if (!env) return unchanged({ started: false, reason: `environment ${environmentId} does not exist` });
      const waiting = kind === 'provision' ? env.awaitsProvisioningAttempt : env.awaitsDecommissioningAttempt;
      if (!waiting) return unchanged({ started: false, reason: `environment is ${env.state}${env.operation ? ' with an operation in flight' : ''}` });
      note.tenantId = env.tenantId;
      const operationId = randomUUID();
      const now = this.clock.now();
      let attempt: number;
      if (kind === 'provision') {
        const started = env.startProvisioningAttempt(operationId, now);
        attempt = started.attempt;
        await this.environments.save(env);
        if (started.firstOfRound) await this.scheduler.timeout(env, now);
      } else {
        attempt = env.startDecommissioningAttempt(operationId, now).attempt;
        await this.environments.save(env);
      }
      await this.scheduler.dispatch(env, kind, operationId);
      return { started: true, operationId, attempt };
    });
  }
}
