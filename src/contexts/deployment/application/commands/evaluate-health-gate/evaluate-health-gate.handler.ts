import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { GateObservation, evaluateGate } from '../../../domain/health-gate';
import { revisionName, WorkloadExecutor } from '../../ports/workload-executor.port';
import { DeploymentDirectory } from '../../read-models/deployment-read-models';
import { RolloutDriver } from '../../rollout-driver';
import { EvaluateHealthGateCommand } from './evaluate-health-gate.command';

/**
 * One judgement of the gate, stored in the timeline with its inputs: the new revision's health as the
 * health context's events left it (a service no health source has ever reported fails closed; a
 * revision not reported yet is `unknown`, so inconclusive until the timeout), and its request metrics
 * read from the data plane, one reading per judgement. A judgement of a step the rollout has left
 * changes nothing. Inconclusive: the next judgement is scheduled; fail: the rollout rolls back.
 */
@CommandHandler(EvaluateHealthGateCommand)
export class EvaluateHealthGateHandler implements ICommandHandler<EvaluateHealthGateCommand, { outcome: string | null }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly directory: DeploymentDirectory,
    private readonly executor: WorkloadExecutor,
    private readonly driver: RolloutDriver,
    private readonly clock: Clock,
  ) {}

  execute(cmd: EvaluateHealthGateCommand): Promise<{ outcome: string | null }> {
    return this.uow.run<EvaluateHealthGateCommand, { outcome: string | null }>(cmd, async (note) => {
      const d = await this.deployments.findById(cmd.deploymentId);
      if (!d || d.state !== 'verifying' || d.snapshot().currentStep !== cmd.step) return unchanged({ outcome: null });
      const s = d.snapshot();
      note.projectId = s.projectId;
      const revision = revisionName(s.service, s.release.revision);
      const now = this.clock.now();
      const reading = await this.executor.readMetrics(s.environmentId, s.service, revision).catch(() => null);
      if (reading && reading.requestsPerSecond > 0) d.recordReading({ at: now, errorRate: reading.errorRate, p95LatencyMs: reading.p95LatencyMs });
      const { row, serviceKnown } = await this.directory.health(s.environmentId, s.service, revision);
      const health: GateObservation['health'] = row ? { status: row.status, since: new Date(row.since) } : serviceKnown ? { status: 'unknown', since: s.stepStartedAt ?? now } : null;
      const evaluation = evaluateGate(s.healthGate, { health, metrics: d.readingsSummary() }, s.stepStartedAt ?? now, now);
      d.gateEvaluated(evaluation);
      await this.driver.follow(d, 'verifying', now);
      await this.deployments.save(d);
      return { outcome: evaluation.outcome };
    });
  }
}
