import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { Provisioner } from '../../ports/provisioner.port';
import { DispatchOperationCommand, DispatchResult } from './dispatch-operation.command';

/** Calls the provisioner port; changes no aggregate (the outcome arrives later). */
@CommandHandler(DispatchOperationCommand)
export class DispatchOperationHandler implements ICommandHandler<DispatchOperationCommand, DispatchResult> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly provisioner: Provisioner,
  ) {}

  execute({ environmentId, operationId, idempotencyKey }: DispatchOperationCommand): Promise<DispatchResult> {
    // A savepoint: if the provisioner fails half-way, the job's transaction stays usable for what follows.
    return this.tx.run(() => this.tx.savepoint('dispatch_operation', async () => {
      const env = await this.environments.findById(environmentId);
      const op = env?.operation;
      if (!env || !op || op.id !== operationId) return { dispatched: false, reason: `operation ${operationId} is no longer in flight` };
      const s = env.snapshot();
      await this.provisioner.start({
        operationId: op.id,
        kind: op.kind,
        attempt: op.attempt,
        round: s.round,
        environment: { id: s.id, tenantId: s.tenantId, projectId: s.projectId, name: s.name, type: s.type, region: s.region, labels: s.labels, placement: s.placement },
      }, { idempotencyKey });
      return { dispatched: true };
    }));
  }
}
