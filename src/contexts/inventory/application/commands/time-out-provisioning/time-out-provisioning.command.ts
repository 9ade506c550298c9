import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** Fails a provisioning round that is still running when its timer fires (`inventory.provisioning-timeout`). */
@AuditedCommand<TimeOutProvisioningCommand>({
  action: 'environment.provisioning-timeout',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  details: ({ roundStartedAt }) => ({ roundStartedAt }),
})
export class TimeOutProvisioningCommand extends Command<{ timedOut: boolean }> {
  constructor(
    readonly environmentId: string,
    readonly roundStartedAt: string,
  ) {
    super();
  }
}
