import { Command } from '@nestjs/cqrs';
import { AccessScope } from '../../access-scope';
import { EnvironmentJobView } from '../../environment.view';

/** Sends a `failed` environment back to provisioning as a new round (state `requested`). */
export class RetryEnvironmentCommand extends Command<EnvironmentJobView> {
  constructor(
    readonly environmentId: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
