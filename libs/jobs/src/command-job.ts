import { Injectable, Type } from '@nestjs/common';
import { Command, CommandBus, ICommand } from '@nestjs/cqrs';
import { HandlesJob, JobHandler, JobInfo } from './job-handler';

/**
 * A job whose whole body dispatches one command, declared in one line:
 *
 *   export const ProvisioningTimeoutJob = commandJob('inventory.provisioning-timeout', 'ProvisioningTimeoutJob',
 *     (p: TimeoutJobPayload) => new TimeOutProvisioningCommand(p.environmentId, p.roundStartedAt));
 *
 * The result is an ordinary provider class (list it in the module's providers) named `className`, so
 * logs and the DI container name it like a hand-written one. The command's result is the job's result,
 * or what `then` makes of it (e.g. `AwaitingOutcome`, or a `NonRetryableJobError` thrown).
 */
export function commandJob<P, R = unknown>(
  jobName: string,
  className: string,
  toCommand: (payload: P, job: JobInfo) => Command<R> | ICommand,
  then?: (result: R, job: JobInfo) => unknown,
): Type<JobHandler<P>> {
  @Injectable()
  @HandlesJob(jobName)
  class CommandJob implements JobHandler<P> {
    constructor(readonly commands: CommandBus) {}

    async run(payload: P, job: JobInfo): Promise<unknown> {
      const result = (await this.commands.execute(toCommand(payload, job))) as R;
      return then ? then(result, job) : result;
    }
  }
  Object.defineProperty(CommandJob, 'name', { value: className });
  return CommandJob;
}
