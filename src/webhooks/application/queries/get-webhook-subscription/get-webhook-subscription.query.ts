import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { WebhookSubscriptionView } from '../../webhooks.views';

export class GetWebhookSubscriptionQuery extends Query<WebhookSubscriptionView> {
  constructor(
    readonly subscriptionId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
