import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { HandlesJob, JobHandler } from '@rcp/jobs';
import { ReportHealthCommand } from '../commands/report-health/report-health.command';
import { RecordMetricsCommand } from '../commands/record-metrics/record-metrics.command';
import { EnvironmentJobPayload, HEALTH_JOBS } from '../health-jobs';
import { DataPlaneUnavailableError, HealthCheckSource, MetricsSource } from '../ports/data-plane-health.port';
import { HealthDirectory } from '../read-models/health-read-models';

/**
 * `health.pull-data-plane`: reads one ready environment's checks and metrics (the health check source
 * and METRICS_SOURCE) and records them through the same commands as an agent's reports.
 */
@Injectable()
@HandlesJob(HEALTH_JOBS.pullDataPlane)
export class PullDataPlaneJob implements JobHandler<EnvironmentJobPayload> {
  constructor(
    private readonly commands: CommandBus,
    private readonly directory: HealthDirectory,
    private readonly checks: HealthCheckSource,
    private readonly metrics: MetricsSource,
  ) {}

  async run({ environmentId }: EnvironmentJobPayload): Promise<object> {
    const env = await this.directory.environment(environmentId);
    if (env?.state !== 'ready') return { pulled: false, reason: `the environment is ${env?.state ?? 'gone'}` };
    try {
      const health = await this.checks.read(environmentId);
      if (!health) return { pulled: false, reason: 'the data plane has no such environment' };
      const reported = await this.commands.execute(new ReportHealthCommand(environmentId, health.observedAt, health.checks, 'data-plane'));
      const services = [...new Set(health.checks.map((c) => c.service))];
      const metrics = services.length ? await this.metrics.read(environmentId, services) : null;
      const decided = metrics ? await this.commands.execute(new RecordMetricsCommand(environmentId, metrics.observedAt, metrics.services, 'data-plane')) : null;
      return { pulled: true, checks: reported.taken, changed: reported.changed, decisions: decided?.services.filter((s) => s.decisionId) ?? [] };
    } catch (err) {
      if (err instanceof DataPlaneUnavailableError) throw new Error(`the data plane could not be read: ${err.publicReason}`);
      throw err;
    }
  }
}
