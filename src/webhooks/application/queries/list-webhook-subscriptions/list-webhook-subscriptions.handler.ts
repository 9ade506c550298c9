import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookSubscriptionView, subscriptionView } from '../../webhooks.views';
import { ListWebhookSubscriptionsQuery, SUBSCRIPTIONS_KEYSET } from './list-webhook-subscriptions.query';

@QueryHandler(ListWebhookSubscriptionsQuery)
export class ListWebhookSubscriptionsHandler implements IQueryHandler<ListWebhookSubscriptionsQuery, Page<WebhookSubscriptionView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly subscriptions: WebhookSubscriptionRepository,
  ) {}

  execute(q: ListWebhookSubscriptionsQuery): Promise<Page<WebhookSubscriptionView>> {
    return this.tx.read(async () => {
      const rows = await this.subscriptions.page(q.limit, q.after, q.scope?.projectIds);
      return SUBSCRIPTIONS_KEYSET.page(rows, q.limit, (s) => subscriptionView(s), (s) => ({ t: s.snapshot().createdAt.toISOString(), id: s.id }));
    });
  }
}
