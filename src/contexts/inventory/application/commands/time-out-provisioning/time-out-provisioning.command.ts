import { Command } from '@nestjs/cqrs';

/** Fails a provisioning round that is still running when its timer fires (`inventory.provisioning-timeout`). */
export class TimeOutProvisioningCommand extends Command<{ timedOut: boolean }> {
  constructor(
    readonly environmentId: string,
    readonly roundStartedAt: string,
  ) {
    super();
  }
}
