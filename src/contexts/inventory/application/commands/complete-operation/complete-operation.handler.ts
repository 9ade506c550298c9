import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { ExecutorCallbackLog } from '../../ports/executor-callback-log.port';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { CompleteOperationCommand, CompletionView } from './complete-operation.command';

/**
 * Finds the environment by the operation in flight, applies the outcome and schedules what comes next
 * (another attempt after a backoff, or decommissioning a tenant's environment that was waiting for
 * provisioning to settle). Unknown, superseded and replayed outcomes change nothing and say so.
 */
@CommandHandler(CompleteOperationCommand)
export class CompleteOperationHandler implements ICommandHandler<CompleteOperationCommand, CompletionView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly callbacks: ExecutorCallbackLog,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute({ operationId, outcome, source }: CompleteOperationCommand): Promise<CompletionView> {
    // Opens its transaction before the unit of work (to find the environment), so the retry wraps it here.
    return this.uow.retrying('environment.complete-operation', () => this.tx.run(async () => {
      const env = await this.environments.findByOperation(operationId);
      if (!env) return { operationId, applied: false, reason: `operation ${operationId} is not in progress (unknown, superseded or already completed)` };
      const kind = env.operation!.kind;
      return this.uow.execute(
        {
          action: `environment.complete-${kind}`,
          targetType: 'environment',
          targetId: env.id,
          tenantId: env.tenantId,
          details: { operationId, succeeded: outcome.succeeded, reason: outcome.succeeded ? null : outcome.reason, via: source.via },
        },
        async (): Promise<CompletionView> => {
          if (source.callbackId) {
            const status = outcome.succeeded ? 'succeeded' : 'failed';
            const fresh = await this.callbacks.remember(source.callbackId, { operationId, environmentId: env.id, tenantId: env.tenantId, status });
            if (!fresh) return { operationId, applied: false, reason: `callback ${source.callbackId} was already received`, environmentId: env.id, state: env.state };
          }
          const result = env.completeOperation(operationId, outcome, this.clock.now());
          if (!result.applied) return { operationId, applied: false, reason: result.reason, environmentId: env.id, state: env.state };
          await this.environments.save(env);
          await this.scheduler.next(env, result.next, result.attempt);
          return { operationId, applied: true, environmentId: env.id, state: env.state };
        },
      );
    }));
  }
}
