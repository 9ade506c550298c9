import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { EnvironmentReadyV1 } from '../../contracts';
import { ActualStatePuller } from '../actual-state-puller';

/** An environment that just became ready is read from the data plane at once, not at the next interval (unless pulls are off). */
@EventsHandler(EnvironmentReadyV1)
export class PullActualStateOnEnvironmentReadyHandler implements IEventHandler<EnvironmentReadyV1> {
  constructor(private readonly puller: ActualStatePuller) {}

  async handle(event: EnvironmentReadyV1): Promise<void> {
    if (!this.puller.enabled) return;
    const { environmentId, tenantId, projectId } = event.data;
    await this.puller.pullSoon({ id: environmentId, tenantId, projectId });
  }
}
