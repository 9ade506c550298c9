import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { unchanged, Unchanged, UnitOfWork } from '@rcp/persistence';
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
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly callbacks: ExecutorCallbackLog,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CompleteOperationCommand): Promise<CompletionView> {
    const { operationId, outcome, source } = cmd;
    return this.uow.run(cmd, async (note): Promise<CompletionView | Unchanged<CompletionView>> => {
      const env = await this.environments.findByOperation(operationId);
      if (source.callbackId) {
        // Remembered whatever the operation (it commits with an unchanged answer too): a replay is refused even for an operation unknown here.
        const status = outcome.succeeded ? 'succeeded' : 'failed';
        const fresh = await this.callbacks.remember(source.callbackId, { operationId, environmentId: env?.id ?? null, tenantId: env?.tenantId ?? null, status });
        if (!fresh) return unchanged({ operationId, applied: false, reason: `callback ${source.callbackId} was already received`, ...(env ? { environmentId: env.id, state: env.state } : {}) });
      }
      if (!env) return unchanged({ operationId, applied: false, reason: `operation ${operationId} is not in progress (unknown, superseded or already completed)` });
      const kind = env.operation!.kind;
      note.tenantId = env.tenantId;
      note.vars = { kind };
      const result = env.completeOperation(operationId, outcome, this.clock.now());
      if (!result.applied) return unchanged({ operationId, applied: false, reason: result.reason, environmentId: env.id, state: env.state });
      await this.environments.save(env);
      const reason = outcome.succeeded ? null : (env.snapshot().failureReason ?? outcome.reason);
      await this.scheduler.afterCompletion(env, kind, result.next, result.attempt, { succeeded: outcome.succeeded, reason });
      return { operationId, applied: true, environmentId: env.id, state: env.state };
    });
  }
}
