import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { WebhookSubscriptionView } from '../../webhooks.views';

/** A new signing secret, shown once; the old one keeps signing (both signatures sent) for `overlapSeconds`. */
@AuditedCommand<RotateWebhookSecretCommand, WebhookSubscriptionView>({ action: 'webhook-subscription.rotate-secret', targetType: 'webhook-subscription', targetId: (c) => c.subscriptionId, details: (c) => ({ overlapSeconds: c.overlapSeconds }) })
export class RotateWebhookSecretCommand extends Command<WebhookSubscriptionView> {
  constructor(
    readonly subscriptionId: string,
    readonly overlapSeconds: number,
    readonly by: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
