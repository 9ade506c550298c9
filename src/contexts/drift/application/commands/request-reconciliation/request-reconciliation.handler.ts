import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@rcp/ddd';
import { JobsService } from '@rcp/jobs';
import { UnitOfWork } from '@rcp/persistence';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { reachEnvironment } from '../../drift-access';
import { DRIFT_JOBS, ReconcileJobPayload } from '../../drift-jobs';
import { ReconcileRequestedView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { RequestReconciliationCommand } from './request-reconciliation.command';

/** Queues the environment's reconciliation job (the one already queued or running, if any, does it). Without a desired state: 409. */
@CommandHandler(RequestReconciliationCommand)
export class RequestReconciliationHandler implements ICommandHandler<RequestReconciliationCommand, ReconcileRequestedView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
    private readonly jobs: JobsService,
  ) {}

  execute(cmd: RequestReconciliationCommand): Promise<ReconcileRequestedView> {
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope);
      note.projectId = env.projectId;
      const drift = await this.drifts.find(env.environmentId);
      if (!drift?.desired) {
        const reason = `environment ${env.environmentId} has no desired state: a GitOps pipeline posts one with PUT /v1/environments/${env.environmentId}/desired-state`;
        throw new DomainError('precondition_failed', reason, { reasons: [reason] });
      }
      const payload: ReconcileJobPayload = { environmentId: env.environmentId };
      const { jobId } = await this.jobs.enqueueRecurring({ name: DRIFT_JOBS.reconcile, targetType: 'environment', targetId: env.environmentId }, payload, { tenantId: env.tenantId, projectId: env.projectId, maxAttempts: 3 });
      return { environmentId: env.environmentId, jobId, state: 'queued' };
    });
  }
}
