import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { HealthCheckResultRepository, ScalingPolicyRepository } from '../../../domain/health.repository';
import { assertNotFuture, reachEnvironment } from '../../health-access';
import { HealthDirectory } from '../../read-models/health-read-models';
import { ScalingScheduler } from '../../scaling-scheduler';
import { MetricsResult, RecordMetricsCommand } from './record-metrics.command';

/**
 * Runs each reported service's scaling policy on the report (HPA-style, with its windows, steps, bounds,
 * the service's health and the tenant's quotas), in one transaction: a decision to change replicas
 * enqueues its scale job; a decision held by a bound is recorded with nothing to send. Services without
 * a policy are left alone. Not while the environment is not ready.
 */
@CommandHandler(RecordMetricsCommand)
export class RecordMetricsHandler implements ICommandHandler<RecordMetricsCommand, MetricsResult> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly policies: ScalingPolicyRepository,
    private readonly results: HealthCheckResultRepository,
    private readonly directory: HealthDirectory,
    private readonly scheduler: ScalingScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RecordMetricsCommand): Promise<MetricsResult> {
    const now = this.clock.now();
    assertNotFuture(cmd.observedAt, now);
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope);
      note.projectId = env.projectId;
      const out: MetricsResult = { services: [] };
      if (env.state !== 'ready') {
        out.services = cmd.services.map((s) => ({ service: s.service, decisionId: null, currentReplicas: null, desiredReplicas: null, state: null, reason: `the environment is ${env.state}` }));
        return unchanged(out);
      }
      const quotas = await this.directory.quotas(env.tenantId);
      const health = new Map((await this.results.ofEnvironment(env.environmentId)).filter((r) => r.snapshot().revision === null).map((r) => [r.snapshot().service, r.status]));
      let decided = false;
      for (const { service, ...observed } of [...cmd.services].sort((a, b) => a.service.localeCompare(b.service))) {
        const policy = await this.policies.find(env.environmentId, service, { lock: true });
        if (!policy) {
          out.services.push({ service, decisionId: null, currentReplicas: null, desiredReplicas: null, state: null, reason: 'the service has no scaling policy' });
          continue;
        }
        const seen = await this.directory.service(env.environmentId, service);
        const quota = quotas ? { maxReplicasPerService: quotas.maxReplicasPerService, maxTotalReplicas: quotas.maxTotalReplicas, otherServicesReplicas: await this.directory.otherReplicas(env.tenantId, env.environmentId, service) } : null;
        const { decision, reason } = policy.decide(
          { observed, observedReplicas: seen?.replicas ?? null, observedAt: seen?.observedAt ?? null, health: health.get(service) ?? 'unknown', quota, deploying: await this.directory.deploying(env.environmentId, service), decisionId: randomUUID(), operationId: randomUUID() },
          now,
        );
        await this.policies.save(policy);
        if (decision?.state === 'pending') await this.scheduler.apply(decision, { tenantId: env.tenantId, projectId: env.projectId, environmentId: env.environmentId, service });
        decided ||= decision !== null;
        out.services.push({ service, decisionId: decision?.id ?? null, currentReplicas: decision?.currentReplicas ?? null, desiredReplicas: decision?.desiredReplicas ?? null, state: decision?.state ?? null, reason });
      }
      return decided ? out : unchanged(out);
    });
  }
}
