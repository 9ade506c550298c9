import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { RemediationRequestedV1 } from '../../../drift/contracts';
import { CreateCorrectiveDeploymentCommand } from '../commands/create-corrective-deployment/create-corrective-deployment.command';

/** Drift asked for a corrective deployment: this context creates it (reason drift-remediation, `cause.findingId`). */
@EventsHandler(RemediationRequestedV1)
export class CreateCorrectiveDeploymentOnRemediationRequestedHandler implements IEventHandler<RemediationRequestedV1> {
  constructor(private readonly commands: CommandBus) {}

  async handle(e: RemediationRequestedV1): Promise<void> {
    await this.commands.execute(new CreateCorrectiveDeploymentCommand({ ...e.data }));
  }
}
