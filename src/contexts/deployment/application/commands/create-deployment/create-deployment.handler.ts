import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock, DomainError, NotFoundError, canSee } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { preconditionFailures } from '../../../domain/deployment-preconditions';
import { RuntimeDeployment } from '../../../domain/runtime-deployment.aggregate';
import { peakReplicas } from '../../../domain/rollout-strategy';
import { deploymentView, DeploymentView } from '../../deployment.views';
import { DeploymentDirectory } from '../../read-models/deployment-read-models';
import { RolloutDriver } from '../../rollout-driver';
import { CreateDeploymentCommand } from './create-deployment.command';

/**
 * Every precondition is judged from the context's own read models (never another context's tables) and
 * every failure listed at once; the quotas are checked against the rollout's peak (the replicas its
 * strategy adds while it runs). A second unfinished rollout of the service is refused here, and by the
 * database if two requests race.
 */
@CommandHandler(CreateDeploymentCommand)
export class CreateDeploymentHandler implements ICommandHandler<CreateDeploymentCommand, DeploymentView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly directory: DeploymentDirectory,
    private readonly driver: RolloutDriver,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CreateDeploymentCommand): Promise<DeploymentView> {
    return this.uow.run(cmd, async (note) => {
      const r = cmd.request;
      const env = await this.directory.environment(r.environmentId);
      if (!env || !canSee(cmd.scope, env.projectId)) throw new NotFoundError('Environment', r.environmentId);
      note.projectId = env.projectId;
      // One after the other: they share the transaction's connection.
      const tenant = await this.directory.tenant(env.tenantId);
      const running = await this.directory.service(env.environmentId, r.service);
      const config = await this.directory.configVersion(env.environmentId, r.service, r.configVersion);
      const bindings = await this.directory.bindings(env.environmentId);
      const active = await this.deployments.activeOf(env.environmentId, r.service);
      const previous = await this.deployments.lastSucceeded(env.environmentId, r.service);
      const lastRevision = await this.deployments.lastRevision(env.environmentId, r.service);
      const tenantReplicas = await this.directory.tenantReplicas(env.tenantId);
      const now = this.clock.now();
      // What runs now: as inventory last observed it, or else as the last succeeded deployment left it.
      const runningReplicas = previous ? (running?.replicas ?? previous.replicas ?? 0) : 0;
      const replicas = r.replicas ?? (running?.replicas || previous?.replicas || 1);
      if (!Number.isInteger(replicas) || replicas < 1) throw new DomainError('validation_failed', 'replicas must be a positive integer', { errors: [{ field: 'replicas', message: 'must be at least 1' }] });
      // The domain validates the request (image, strategy, gate: 400) before any precondition (409).
      const deployment = RuntimeDeployment.create(
        {
          id: randomUUID(),
          tenantId: env.tenantId,
          projectId: env.projectId,
          environmentId: env.environmentId,
          service: r.service,
          revision: Math.max(lastRevision, previous?.revision ?? 0) + 1,
          release: { image: r.image, configVersion: r.configVersion, configChecksum: config?.checksum ?? '', secretBindings: r.secretBindings },
          previous: previous ? { ...previous, replicas: runningReplicas || previous.replicas } : null,
          runningReplicas,
          replicas,
          strategy: r.strategy,
          healthGate: r.healthGate,
          reason: r.reason ?? 'deploy',
          cause: r.cause ?? null,
          createdBy: cmd.createdBy,
        },
        now,
      );
      const s = deployment.snapshot();
      const failures = preconditionFailures({
        environmentId: env.environmentId,
        service: r.service,
        environment: env,
        tenant: tenant ? { id: tenant.tenantId, state: tenant.state, maxReplicasPerService: tenant.maxReplicasPerService, maxTotalReplicas: tenant.maxTotalReplicas } : null,
        configVersion: config,
        requestedConfigVersion: r.configVersion,
        bindings,
        requestedBindings: r.secretBindings,
        active: active ? { id: active.id, revision: active.snapshot().release.revision, state: active.state } : null,
        serviceReplicas: running?.replicas ?? 0,
        tenantReplicas,
        peakReplicas: peakReplicas(s.plan, runningReplicas),
        strategyType: s.strategy.type,
      });
      if (failures.length && r.failOnPreconditions) {
        deployment.fail(`preconditions failed: ${failures.join('; ')}`, now);
        await this.deployments.save(deployment);
        return deploymentView(deployment);
      }
      if (failures.length) throw new DomainError('precondition_failed', `The deployment cannot start: ${failures.join('; ')}`, { reasons: failures });
      deployment.start(now);
      const jobId = await this.driver.follow(deployment, 'pending', now);
      await this.deployments.save(deployment);
      return deploymentView(deployment, deployment.version + 1, jobId);
    });
  }
}
