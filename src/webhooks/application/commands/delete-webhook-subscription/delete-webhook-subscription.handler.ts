import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, VersionConflictError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { WebhookDeliveries } from '../../ports/webhook-deliveries.port';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookSubscriptionView, reachable, subscriptionView } from '../../webhooks.views';
import { DeleteWebhookSubscriptionCommand } from './delete-webhook-subscription.command';

/** Deletes a subscription: its deliveries still waiting are dropped (dead-lettered with the reason), nothing more is sent. */
@CommandHandler(DeleteWebhookSubscriptionCommand)
export class DeleteWebhookSubscriptionHandler implements ICommandHandler<DeleteWebhookSubscriptionCommand, WebhookSubscriptionView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly clock: Clock,
  ) {}

  execute(cmd: DeleteWebhookSubscriptionCommand): Promise<WebhookSubscriptionView> {
    return this.uow.run(cmd, async () => {
      const sub = reachable(await this.subscriptions.findById(cmd.subscriptionId, { lock: true }), cmd.subscriptionId, cmd.scope);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== sub.version) throw new VersionConflictError(cmd.expectedVersion, sub.version);
      sub.delete(cmd.by, this.clock.now());
      await this.subscriptions.save(sub);
      await this.deliveries.abandon(sub.id, 'the subscription was deleted');
      return subscriptionView(sub);
    });
  }
}
