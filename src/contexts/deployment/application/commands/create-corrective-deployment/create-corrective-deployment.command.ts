import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { RemediationRequestedData } from '../../../../drift/contracts';
import { DeploymentView } from '../../deployment.views';

/**
 * Drift asked for a corrective deployment of a finding: reapply or roll back to a succeeded release
 * (`toRevision`), or redeploy the desired image. Created with reason drift-remediation and
 * `cause.findingId`; unmet preconditions fail it (recorded, with its reasons) instead of refusing it.
 */
@AuditedCommand<CreateCorrectiveDeploymentCommand, DeploymentView | null>({
  action: 'deployment.create-corrective',
  targetType: 'deployment',
  targetId: (c, result) => result?.id ?? `${c.request.environmentId}/${c.request.service}`,
  details: (c) => ({ findingId: c.request.findingId, action: c.request.action, toRevision: c.request.toRevision, attempt: c.request.attempt }),
})
export class CreateCorrectiveDeploymentCommand extends Command<DeploymentView | null> {
  constructor(readonly request: RemediationRequestedData) {
    super();
  }
}
