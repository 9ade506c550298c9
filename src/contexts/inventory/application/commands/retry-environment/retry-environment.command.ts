import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { AccessScope } from '../../access-scope';
import { EnvironmentJobView } from '../../environment.view';

/** Sends a `failed` environment back to provisioning as a new round (state `requested`). */
@AuditedCommand<RetryEnvironmentCommand>({ action: 'environment.retry', targetType: 'environment', targetId: (c) => c.environmentId })
export class RetryEnvironmentCommand extends Command<EnvironmentJobView> {
  constructor(
    readonly environmentId: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
