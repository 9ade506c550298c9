import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { DeploymentView } from '../../deployment.views';

export type DeploymentAction = 'promote' | 'rollback' | 'abort' | 'resume';

/**
 * A person's control of a rollout: promote (skip the remaining pauses, or switch blue-green), roll back
 * (an unfinished rollout to the previous release; a finished one by deploying an earlier succeeded
 * release again, `toRevision` or the one before), abort, resume. Checked against the state machine.
 */
@AuditedCommand<ChangeDeploymentCommand, DeploymentView>({
  action: 'deployment.{action}',
  targetType: 'deployment',
  targetId: (c) => c.deploymentId,
  details: (c) => ({ reason: c.reason, ...(c.toRevision ? { toRevision: c.toRevision } : {}) }),
})
export class ChangeDeploymentCommand extends Command<DeploymentView> {
  constructor(
    readonly deploymentId: string,
    readonly action: DeploymentAction,
    readonly by: string,
    readonly reason: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
    readonly toRevision?: number,
  ) {
    super();
  }
}
