import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { WebhookDeliveryView } from '../../webhooks.views';

export const DELIVERIES_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

/** The delivery log of a subscription, oldest first: state, attempts, last status, latency and error. */
export class ListWebhookDeliveriesQuery extends Query<Page<WebhookDeliveryView>> {
  constructor(
    readonly subscriptionId: string,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
