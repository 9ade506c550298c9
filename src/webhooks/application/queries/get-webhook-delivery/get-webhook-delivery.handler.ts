import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookDeliveries } from '../../ports/webhook-deliveries.port';
import { WebhookDeliveryView, deliveryView, reachable } from '../../webhooks.views';
import { GetWebhookDeliveryQuery } from './get-webhook-delivery.query';

@QueryHandler(GetWebhookDeliveryQuery)
export class GetWebhookDeliveryHandler implements IQueryHandler<GetWebhookDeliveryQuery, WebhookDeliveryView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  execute(q: GetWebhookDeliveryQuery): Promise<WebhookDeliveryView> {
    return this.tx.read(async () => {
      const sub = reachable(await this.subscriptions.findById(q.subscriptionId), q.subscriptionId, q.scope);
      const d = await this.deliveries.get(sub.id, q.deliveryId);
      if (!d) throw new NotFoundError('Webhook delivery', q.deliveryId);
      return deliveryView(d);
    });
  }
}
