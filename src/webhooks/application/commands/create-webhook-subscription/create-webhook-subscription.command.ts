import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { WebhookSubscriptionView } from '../../webhooks.views';

/** Subscribes a receiver to the tenant's events of some types: its signing secret is generated and shown once. */
@AuditedCommand<CreateWebhookSubscriptionCommand, WebhookSubscriptionView>({
  action: 'webhook-subscription.create',
  targetType: 'webhook-subscription',
  targetId: (_c, r) => r?.id ?? null,
  details: (c) => ({ eventTypes: c.eventTypes }),
})
export class CreateWebhookSubscriptionCommand extends Command<WebhookSubscriptionView> {
  constructor(
    readonly tenantId: string,
    readonly url: string,
    readonly eventTypes: string[],
    readonly description: string | null,
    readonly by: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
