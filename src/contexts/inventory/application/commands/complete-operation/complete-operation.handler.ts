import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { ExecutorCallbackLog } from '../../ports/executor-callback-log.port';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { CompleteOperationCommand, CompletionView } from './complete-operation.command';

/**
 * Finds the environment by the operation in flight, applies the outcome and schedules what comes next
 * (another attempt after a backoff, or the end of the round's job and, for a tenant's environment that
 * was waiting for provisioning to settle, its decommissioning). Unknown, superseded and replayed
 * outcomes change nothing and say so; a callback id is remembered even when its operation is unknown.
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
      if (source.callbackId) {
        // Remembered whatever the operation: a replay is refused even for an operation unknown here.
        const status = outcome.succeeded ? 'succeeded' : 'failed';
        const fresh = await this.callbacks.remember(source.callbackId, { operationId, environmentId: env?.id ?? null, tenantId: env?.tenantId ?? null, status });
        if (!fresh) return { operationId, applied: false, reason: `callback ${source.callbackId} was already received`, ...(env ? { environmentId: env.id, state: env.state } : {}) };
      }
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
          const result = env.completeOperation(operationId, outcome, this.clock.now());
          if (!result.applied) return { operationId, applied: false, reason: result.reason, environmentId: env.id, state: env.state };
          await this.environments.save(env);
          const reason = outcome.succeeded ? null : (env.snapshot().failureReason ?? outcome.reason);
          await this.scheduler.afterCompletion(env, kind, result.next, result.attempt, { succeeded: outcome.succeeded, reason });
          return { operationId, applied: true, environmentId: env.id, state: env.state };
        },
      );
    }));
  }
}
