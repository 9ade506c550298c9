import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { HandlesJob, JobHandler } from '@rcp/jobs';
import { CompleteScalingCommand } from '../commands/complete-scaling/complete-scaling.command';
import { ApplyScalingPayload, HEALTH_JOBS } from '../health-jobs';
import { Scaler, ScalerUnavailableError } from '../ports/scaler.port';

/**
 * `health.apply-scaling`: hands a pending decision's scale operation to the data plane (the same
 * operation id on a retry, so it is taken once). A data plane that refuses it fails the decision at
 * once with its fixed phrase; its outcome otherwise comes back as `CompleteScalingCommand`.
 */
@Injectable()
@HandlesJob(HEALTH_JOBS.applyScaling)
export class ApplyScalingJob implements JobHandler<ApplyScalingPayload> {
  constructor(
    private readonly scaler: Scaler,
    private readonly commands: CommandBus,
  ) {}

  async run(p: ApplyScalingPayload): Promise<{ sent: boolean; reason?: string }> {
    try {
      await this.scaler.scale({ operationId: p.operationId, environmentId: p.environmentId, service: p.service, replicas: p.replicas });
      return { sent: true };
    } catch (err) {
      if (!(err instanceof ScalerUnavailableError)) throw err;
      await this.commands.execute(new CompleteScalingCommand(p.operationId, { succeeded: false, reason: err.publicReason }));
      return { sent: false, reason: err.publicReason };
    }
  }
}
