import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { WebhookDeliveryView } from '../../webhooks.views';

/** A person sends a dead-lettered delivery again: due now, its retry schedule started over. */
@AuditedCommand<RetryWebhookDeliveryCommand, WebhookDeliveryView>({ action: 'webhook-delivery.retry', targetType: 'webhook-delivery', targetId: (c) => c.deliveryId })
export class RetryWebhookDeliveryCommand extends Command<WebhookDeliveryView> {
  constructor(
    readonly subscriptionId: string,
    readonly deliveryId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
