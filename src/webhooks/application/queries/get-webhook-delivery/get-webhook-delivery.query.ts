import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { WebhookDeliveryView } from '../../webhooks.views';

/** One delivery with every attempt: when, status code, latency, error. */
export class GetWebhookDeliveryQuery extends Query<WebhookDeliveryView> {
  constructor(
    readonly subscriptionId: string,
    readonly deliveryId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
