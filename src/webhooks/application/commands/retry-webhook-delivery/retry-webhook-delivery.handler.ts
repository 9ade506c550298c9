import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InvalidStateTransitionError, NotFoundError } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookDeliveries } from '../../ports/webhook-deliveries.port';
import { WebhookDeliveryView, deliveryView, reachable } from '../../webhooks.views';
import { WebhookDispatchSignal } from '../../webhook-dispatch-signal';
import { RetryWebhookDeliveryCommand } from './retry-webhook-delivery.command';

/** Only a dead-lettered delivery of an active subscription (409 otherwise). */
@CommandHandler(RetryWebhookDeliveryCommand)
export class RetryWebhookDeliveryHandler implements ICommandHandler<RetryWebhookDeliveryCommand, WebhookDeliveryView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tx: TransactionManager,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly signal: WebhookDispatchSignal,
  ) {}

  execute(cmd: RetryWebhookDeliveryCommand): Promise<WebhookDeliveryView> {
    return this.uow.run(cmd, async () => {
      const sub = reachable(await this.subscriptions.findById(cmd.subscriptionId), cmd.subscriptionId, cmd.scope);
      const d = await this.deliveries.get(sub.id, cmd.deliveryId);
      if (!d) throw new NotFoundError('Webhook delivery', cmd.deliveryId);
      if (sub.state !== 'active') throw new InvalidStateTransitionError('Webhook subscription', sub.state, 'send a delivery again');
      if (!(await this.deliveries.retry(sub.id, d.id))) throw new InvalidStateTransitionError('Webhook delivery', d.state, 'be retried (only a dead-lettered delivery is)');
      this.tx.afterCommit(() => this.signal.nudge());
      return deliveryView((await this.deliveries.get(sub.id, d.id))!);
    });
  }
}
