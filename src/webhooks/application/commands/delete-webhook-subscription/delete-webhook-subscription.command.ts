import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { WebhookSubscriptionView } from '../../webhooks.views';

@AuditedCommand<DeleteWebhookSubscriptionCommand, WebhookSubscriptionView>({ action: 'webhook-subscription.delete', targetType: 'webhook-subscription', targetId: (c) => c.subscriptionId })
export class DeleteWebhookSubscriptionCommand extends Command<WebhookSubscriptionView> {
  constructor(
    readonly subscriptionId: string,
    readonly by: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
