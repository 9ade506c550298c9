import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookDeliveries } from '../../ports/webhook-deliveries.port';
import { WebhookDeliveryView, deliveryView, reachable } from '../../webhooks.views';
import { DELIVERIES_KEYSET, ListWebhookDeliveriesQuery } from './list-webhook-deliveries.query';

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveriesQuery, Page<WebhookDeliveryView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  execute(q: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryView>> {
    return this.tx.read(async () => {
      const sub = reachable(await this.subscriptions.findById(q.subscriptionId), q.subscriptionId, q.scope);
      const rows = await this.deliveries.page(sub.id, q.limit, q.after);
      return DELIVERIES_KEYSET.page(rows, q.limit, deliveryView, (d) => ({ t: d.createdAt.toISOString(), id: d.id }));
    });
  }
}
