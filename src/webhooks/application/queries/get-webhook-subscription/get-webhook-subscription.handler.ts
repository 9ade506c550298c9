import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookSubscriptionView, reachable, subscriptionView } from '../../webhooks.views';
import { GetWebhookSubscriptionQuery } from './get-webhook-subscription.query';

@QueryHandler(GetWebhookSubscriptionQuery)
export class GetWebhookSubscriptionHandler implements IQueryHandler<GetWebhookSubscriptionQuery, WebhookSubscriptionView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly subscriptions: WebhookSubscriptionRepository,
  ) {}

  execute(q: GetWebhookSubscriptionQuery): Promise<WebhookSubscriptionView> {
    return this.tx.read(async () => subscriptionView(reachable(await this.subscriptions.findById(q.subscriptionId), q.subscriptionId, q.scope)));
  }
}
