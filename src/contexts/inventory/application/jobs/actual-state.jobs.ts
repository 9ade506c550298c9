import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { HandlesJob, JobHandler } from '@rcp/jobs';
import { RuntimeEnvironmentRepository } from '../../domain/inventory.repository';
import { ReportActualStateCommand } from '../commands/report-actual-state/report-actual-state.command';
import { EnvironmentJobPayload, INVENTORY_JOBS } from '../inventory-jobs';
import { ActualStateSource, ActualStateUnavailableError } from '../ports/actual-state-source.port';

export interface PullResult {
  pulled: boolean;
  reason?: string;
  observed?: string[];
  changed?: string[];
  removed?: string[];
}

/**
 * `inventory.pull-actual-state`: reads what runs in one environment from the data plane and records it
 * through the same command as an agent's report (stale reports ignored, no event without a change, and
 * a pull that changes nothing leaves no audit row). An environment that no longer runs workloads is
 * skipped; a data plane that cannot be read fails the attempt with its fixed phrase, retried.
 */
@Injectable()
@HandlesJob(INVENTORY_JOBS.pullActualState)
export class PullActualStateJob implements JobHandler<EnvironmentJobPayload> {
  constructor(
    private readonly commands: CommandBus,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly source: ActualStateSource,
  ) {}

  async run({ environmentId }: EnvironmentJobPayload): Promise<PullResult> {
    const env = await this.environments.findById(environmentId);
    if (!env?.acceptsActualState) return { pulled: false, reason: `the environment is ${env?.snapshot().state ?? 'gone'}` };
    let observed;
    try {
      observed = await this.source.read(environmentId);
    } catch (err) {
      if (err instanceof ActualStateUnavailableError) throw new Error(`the data plane could not be read: ${err.publicReason}`);
      throw err;
    }
    if (!observed.present) return { pulled: false, reason: 'the data plane has no such environment' };
    const r = await this.commands.execute(new ReportActualStateCommand(environmentId, { observedAt: observed.observedAt, services: observed.services }, undefined, 'data-plane'));
    return r.applied ? { pulled: true, observed: r.observed, changed: r.changed, removed: r.removed } : { pulled: false, reason: r.reason };
  }
}
