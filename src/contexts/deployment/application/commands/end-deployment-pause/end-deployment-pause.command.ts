import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** A timed pause is over (its delayed job fired): the rollout goes on where it was. */
@AuditedCommand<EndDeploymentPauseCommand>({ action: 'deployment.end-pause', targetType: 'deployment', targetId: (c) => c.deploymentId, details: (c) => ({ step: c.step }) })
export class EndDeploymentPauseCommand extends Command<{ resumed: boolean }> {
  constructor(
    readonly deploymentId: string,
    readonly step: number,
  ) {
    super();
  }
}
