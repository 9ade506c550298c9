import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { RuntimeDeployment } from '../../../domain/runtime-deployment.aggregate';
import { revisionName, WorkloadExecutor, WorkloadOperation } from '../../ports/workload-executor.port';
import { DeploymentDirectory } from '../../read-models/deployment-read-models';
import { DispatchDeploymentOperationCommand } from './dispatch-deployment-operation.command';
import { TransactionManager } from '@rcp/persistence';

/**
 * Builds the executor operation of the awaited phase from the plan and sends it: the new revision at the
 * step's weight and replicas (`new`), the previous one at the rest (`old`, removed once it has none),
 * and, to restore, the previous revision at full weight (`restore-old`) then the new one removed
 * (`restore-new`). Secret bindings travel as references; an operation no longer awaited is not sent.
 */
@CommandHandler(DispatchDeploymentOperationCommand)
export class DispatchDeploymentOperationHandler implements ICommandHandler<DispatchDeploymentOperationCommand, { sent: boolean }> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly deployments: DeploymentRepository,
    private readonly directory: DeploymentDirectory,
    private readonly executor: WorkloadExecutor,
  ) {}

  async execute(cmd: DispatchDeploymentOperationCommand): Promise<{ sent: boolean }> {
    const op = await this.tx.run(async () => {
      const d = await this.deployments.findById(cmd.deploymentId);
      if (!d || d.snapshot().operation?.id !== cmd.operationId) return null;
      return this.operationOf(d, cmd.operationId);
    });
    if (!op) return { sent: false };
    await this.executor.submit(op);
    return { sent: true };
  }

  private async operationOf(d: RuntimeDeployment, operationId: string): Promise<WorkloadOperation> {
    const s = d.snapshot();
    const step = s.plan[s.currentStep];
    const base = { operationId, environmentId: s.environmentId, service: s.service };
    const bound = new Map((await this.directory.bindings(s.environmentId)).map((b) => [b.name, b]));
    const refsOf = (names: string[]) => names.map((name) => ({ name, ref: bound.get(name)?.reference ?? `inline:${name}` }));
    const fresh = { revision: revisionName(s.service, s.release.revision), image: s.release.image, configChecksum: s.release.configChecksum, secretRefs: refsOf(s.release.secretBindings) };
    const prev = s.previous;
    const old = prev ? { revision: revisionName(s.service, prev.revision), image: prev.image, configChecksum: prev.configChecksum, secretRefs: refsOf(prev.secretBindings) } : null;
    switch (s.operation!.phase) {
      case 'new':
        return { ...base, kind: 'apply', spec: { ...fresh, replicas: step.newReplicas, trafficWeight: step.weight } };
      case 'old':
        if (!old) throw new Error(`deployment ${d.id}: no previous revision to change`);
        return step.oldReplicas > 0 ? { ...base, kind: 'apply', spec: { ...old, replicas: step.oldReplicas, trafficWeight: 100 - step.weight } } : { ...base, kind: 'remove', revision: old.revision };
      case 'restore-old':
        if (!old) throw new Error(`deployment ${d.id}: no previous revision to restore`);
        return { ...base, kind: 'apply', spec: { ...old, replicas: prev!.replicas ?? s.replicas, trafficWeight: 100 } };
      case 'restore-new':
        return { ...base, kind: 'remove', revision: fresh.revision };
    }
  }
}
