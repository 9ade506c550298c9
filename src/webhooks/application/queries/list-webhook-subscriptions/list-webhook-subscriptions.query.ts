import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { WebhookSubscriptionView } from '../../webhooks.views';

export const SUBSCRIPTIONS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

export class ListWebhookSubscriptionsQuery extends Query<Page<WebhookSubscriptionView>> {
  constructor(
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
