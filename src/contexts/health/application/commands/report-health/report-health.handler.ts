import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { HealthCheckResult } from '../../../domain/health-check-result.aggregate';
import { HealthCheckResultRepository } from '../../../domain/health.repository';
import { assertNotFuture, reachEnvironment } from '../../health-access';
import { thresholdsOf } from '../../health-settings';
import { HealthDirectory } from '../../read-models/health-read-models';
import { HealthReportResult, ReportHealthCommand } from './report-health.command';

/**
 * Feeds each check to its service's result (created on its first check), in one transaction. Only a
 * change of status publishes an event and writes an audit row: a steady stream of the same checks is
 * recorded (last checks, counts) without either.
 */
@CommandHandler(ReportHealthCommand)
export class ReportHealthHandler implements ICommandHandler<ReportHealthCommand, HealthReportResult> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly results: HealthCheckResultRepository,
    private readonly directory: HealthDirectory,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: ReportHealthCommand): Promise<HealthReportResult> {
    const now = this.clock.now();
    assertNotFuture(cmd.observedAt, now);
    const thresholds = thresholdsOf(this.settings);
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope);
      note.projectId = env.projectId;
      const out: HealthReportResult = { taken: 0, changed: [] };
      // One result per (service, revision); a report naming one twice takes its checks in order.
      for (const c of [...cmd.checks].sort((a, b) => `${a.service}/${a.revision ?? ''}`.localeCompare(`${b.service}/${b.revision ?? ''}`))) {
        const result =
          (await this.results.find(env.environmentId, c.service, c.revision, { lock: true })) ??
          HealthCheckResult.start({ id: randomUUID(), tenantId: env.tenantId, projectId: env.projectId, environmentId: env.environmentId, service: c.service, revision: c.revision }, now);
        const r = result.take({ status: c.status, observedAt: cmd.observedAt, latencyMs: c.latencyMs, errorRate: c.errorRate, source: cmd.source }, thresholds, now);
        if (!r.taken) continue;
        out.taken += 1;
        if (r.changed) out.changed.push({ service: c.service, revision: c.revision, status: result.status });
        await this.results.save(result);
      }
      return out.changed.length > 0 ? out : unchanged(out);
    });
  }
}
