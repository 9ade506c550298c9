import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { DeploymentRepository } from '../../../domain/deployment.repository';
import { HealthGate } from '../../../domain/health-gate';
import { DeploymentView } from '../../deployment.views';
import { DeploymentDirectory } from '../../read-models/deployment-read-models';
import { CreateDeploymentCommand, DeploymentRequest } from '../create-deployment/create-deployment.command';
import { CreateCorrectiveDeploymentCommand } from './create-corrective-deployment.command';

/** The gate of a corrective deployment of a service that never had one: health for 30 s, at most 5 % errors, five minutes to show it. */
export const CORRECTIVE_HEALTH_GATE: HealthGate = { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: null, timeoutSeconds: 300 };

/**
 * Turns drift's request into a deployment of this context's own: `reapply` and `rollback` deploy the
 * succeeded release `toRevision` again, whole (image, configuration version, secret bindings), at the
 * desired replicas; `redeploy` deploys the desired image with the configuration version whose checksum
 * Git pins (else the last succeeded release's, else the newest) and the last release's bindings. A
 * rolling update, judged by the gate the service's last deployment had. The same request delivered
 * twice creates one deployment (the inbox; and a deployment already caused by the finding's attempt).
 */
@CommandHandler(CreateCorrectiveDeploymentCommand)
export class CreateCorrectiveDeploymentHandler implements ICommandHandler<CreateCorrectiveDeploymentCommand, DeploymentView | null> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deployments: DeploymentRepository,
    private readonly directory: DeploymentDirectory,
    private readonly commands: CommandBus,
  ) {}

  execute(cmd: CreateCorrectiveDeploymentCommand): Promise<DeploymentView | null> {
    return this.uow.run(cmd, async (note) => {
      const r = cmd.request;
      note.projectId = r.projectId;
      const env = await this.directory.environment(r.environmentId);
      if (!env) return unchanged(null);
      const last = await this.deployments.lastSucceeded(r.environmentId, r.service);
      const release = r.toRevision !== null ? await this.deployments.succeededRelease(r.environmentId, r.service, r.toRevision) : null;
      const gate = (await this.deployments.lastHealthGate(r.environmentId, r.service)) ?? CORRECTIVE_HEALTH_GATE;
      const replicas = r.desired && r.desired.replicas > 0 ? r.desired.replicas : (release?.replicas ?? last?.replicas ?? 1);
      let request: DeploymentRequest;
      if (release) {
        request = { environmentId: r.environmentId, service: r.service, image: release.image, configVersion: release.configVersion, secretBindings: release.secretBindings, strategy: ROLLING, healthGate: gate, replicas };
      } else {
        const image = r.desired?.image ?? last?.image ?? '';
        const pin = r.desired?.configChecksum ?? null;
        const pinned = pin ? await this.directory.latestConfigVersion(r.environmentId, r.service, pin) : null;
        const newest = await this.directory.latestConfigVersion(r.environmentId, r.service);
        // A checksum Git pins that no published version has: the version after the newest, which the preconditions report unpublished.
        const configVersion = pin ? (pinned?.version ?? (newest?.version ?? 0) + 1) : (last?.configVersion ?? newest?.version ?? 1);
        request = { environmentId: r.environmentId, service: r.service, image, configVersion, secretBindings: last?.secretBindings ?? [], strategy: ROLLING, healthGate: gate, replicas };
      }
      return this.commands.execute(
        new CreateDeploymentCommand({ ...request, reason: 'drift-remediation', cause: { findingId: r.findingId }, failOnPreconditions: true }, r.requestedBy),
      );
    });
  }
}

const ROLLING = { type: 'rolling' as const, maxSurge: 1, maxUnavailable: 0 };
