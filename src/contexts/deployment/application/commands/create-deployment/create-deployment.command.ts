import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { HealthGate } from '../../../domain/health-gate';
import { DeploymentReason } from '../../../domain/runtime-deployment.aggregate';
import { RolloutStrategy } from '../../../domain/rollout-strategy';
import { DeploymentView } from '../../deployment.views';

export interface DeploymentRequest {
  environmentId: string;
  service: string;
  image: string;
  configVersion: number;
  secretBindings: string[];
  strategy: RolloutStrategy;
  healthGate: HealthGate;
  /** Default: the replicas running now, or 1 for a first deployment. */
  replicas?: number;
  reason?: DeploymentReason;
  cause?: { findingId: string } | null;
  /**
   * Unmet preconditions fail the deployment instead of refusing it (409): a corrective deployment that
   * drift asked for is recorded, failed with its reasons, so drift learns why from its events.
   */
  failOnPreconditions?: boolean;
}

/** Deploys a release of a service in an environment: preconditions checked, plan made, the first step started. */
@AuditedCommand<CreateDeploymentCommand, DeploymentView>({
  action: 'deployment.create',
  targetType: 'deployment',
  targetId: (c, result) => result?.id ?? `${c.request.environmentId}/${c.request.service}`,
  details: (c) => ({ service: c.request.service, image: c.request.image, configVersion: c.request.configVersion, strategy: c.request.strategy?.type, reason: c.request.reason ?? 'deploy' }),
})
export class CreateDeploymentCommand extends Command<DeploymentView> {
  constructor(
    readonly request: DeploymentRequest,
    readonly createdBy: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
