import { Injectable, Type } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { HandlesJob, JobHandler, JobInfo } from './job-handler';

/**
 * A job whose whole body dispatches one command, declared in one line:
 *
 *   export const ProvisioningTimeoutJob = commandJob('inventory.provisioning-timeout', 'ProvisioningTimeoutJob',
 *     (p: TimeoutJobPayload) => new TimeOutProvisioningCommand(p.environmentId, p.roundStartedAt));
 *
 * The result is an ordinary provider class (list it in the module's providers) named `className`, so
 * logs and the DI container name it like a hand-written one. The command's result is the job's result.
 */
export function commandJob<P>(jobName: string, className: string, toCommand: (payload: P, job: JobInfo) => ICommand): Type<JobHandler<P>> {
  @Injectable()
  @HandlesJob(jobName)
  class CommandJob implements JobHandler<P> {
    constructor(readonly commands: CommandBus) {}

    run(payload: P, job: JobInfo): Promise<unknown> {
      return this.commands.execute(toCommand(payload, job));
    }
  }
  Object.defineProperty(CommandJob, 'name', { value: className });
  return CommandJob;
}
