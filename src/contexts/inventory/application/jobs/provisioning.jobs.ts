import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AwaitingOutcome, HandlesJob, JobHandler, JobInfo, NonRetryableJobError, commandJob } from '@rcp/jobs';
import { OperationKind } from '../../domain/provisioning-policy';
import { CompleteOperationCommand } from '../commands/complete-operation/complete-operation.command';
import { DispatchOperationCommand } from '../commands/dispatch-operation/dispatch-operation.command';
import { StartAttemptResult, StartOperationAttemptCommand } from '../commands/start-operation-attempt/start-operation-attempt.command';
import { TimeOutProvisioningCommand } from '../commands/time-out-provisioning/time-out-provisioning.command';
import { DispatchJobPayload, EnvironmentJobPayload, INVENTORY_JOBS, TimeoutJobPayload } from '../inventory-jobs';
import { ProvisionerUnavailableError } from '../ports/provisioner.port';

/*
 * The background steps of provisioning and decommissioning. Each job runs in a transaction that also
 * records its state (libs/jobs), and each only dispatches a command of this context, so the rules
 * stay in the aggregate and a job that runs twice changes things once.
 */

/**
 * `inventory.provision-environment` and `inventory.decommission-environment`: start the next attempt.
 * The job a round began with (no parent: the `jobId` a 202 answered with) then awaits the round's
 * outcome, so it stays `running` until the environment is ready, failed or decommissioned (the
 * scheduler ends it); if its round can no longer start, it fails with the reason. A later attempt of
 * the round is a step of that job and completes once the attempt started.
 */
const attemptJob = (jobName: string, className: string, kind: OperationKind) =>
  commandJob(
    jobName,
    className,
    (p: EnvironmentJobPayload) => new StartOperationAttemptCommand(p.environmentId, kind),
    (started: StartAttemptResult, job) => {
      if (job.parentId !== null) return started;
      if (started.started) return new AwaitingOutcome(started);
      throw new NonRetryableJobError(`The ${kind === 'provision' ? 'provisioning' : 'decommissioning'} did not start: ${started.reason}`);
    },
  );

export const ProvisionEnvironmentJob = attemptJob(INVENTORY_JOBS.provision, 'ProvisionEnvironmentJob', 'provision');
export const DecommissionEnvironmentJob = attemptJob(INVENTORY_JOBS.decommission, 'DecommissionEnvironmentJob', 'decommission');

/**
 * `inventory.dispatch-operation`: hands the operation to the provisioner. While the provisioner cannot
 * take it, the job fails and is retried with backoff; on its last attempt the operation is failed
 * instead (through the same command an executor's callback uses), so the environment's own retry
 * policy decides what happens next rather than the job dead-lettering silently.
 */
@Injectable()
@HandlesJob(INVENTORY_JOBS.dispatch)
export class DispatchOperationJob implements JobHandler<DispatchJobPayload> {
  private readonly log = new Logger('DispatchOperationJob');

  constructor(private readonly commands: CommandBus) {}

  async run(payload: DispatchJobPayload, job: JobInfo): Promise<unknown> {
    try {
      return await this.commands.execute(new DispatchOperationCommand(payload.environmentId, payload.operationId, job.idempotencyKey));
    } catch (err) {
      // Only a provisioner's own refusal is told to the tenant (a fixed phrase); anything else is ours.
      const why = err instanceof ProvisionerUnavailableError ? err.publicReason : 'an internal error; operators see it in the log';
      if (job.attempt < job.maxAttempts) throw err;
      if (!(err instanceof ProvisionerUnavailableError)) this.log.error(`dispatching operation ${payload.operationId} failed for good: ${String((err as Error)?.message ?? err)}`);
      const reason = `the provisioner did not take the operation after ${job.attempt} ${job.attempt === 1 ? 'try' : 'tries'} (${why})`;
      return this.commands.execute(new CompleteOperationCommand(payload.operationId, { succeeded: false, reason }, { via: 'dispatcher' }));
    }
  }
}

/** `inventory.provisioning-timeout`: fails a provisioning round still running when the timer fires. */
export const ProvisioningTimeoutJob = commandJob(INVENTORY_JOBS.timeout, 'ProvisioningTimeoutJob', (p: TimeoutJobPayload) => new TimeOutProvisioningCommand(p.environmentId, p.roundStartedAt));
