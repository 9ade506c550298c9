import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, DomainError } from '@rcp/ddd';
import { EventCatalogue } from '@rcp/messaging';
import { UnitOfWork } from '@rcp/persistence';
import { newWebhookSecret } from '../../../domain/webhook-signature';
import { WebhookSubscription, validateWebhookUrl } from '../../../domain/webhook-subscription.aggregate';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookSecretSealer } from '../../ports/secret-sealer.port';
import { WebhookSender } from '../../ports/webhook-sender.port';
import { WebhookSubscriptionView, subscriptionView } from '../../webhooks.views';
import { CreateWebhookSubscriptionCommand } from './create-webhook-subscription.command';

/**
 * The URL must be https and resolve to public addresses (the SSRF guard; WEBHOOK_ALLOW_PRIVATE_TARGETS
 * lifts it for tests and local development); each event type must be one the catalogue publishes, or a
 * prefix of some (`rcp.deployment.*`). The secret is sealed before it is stored and answered once.
 */
@CommandHandler(CreateWebhookSubscriptionCommand)
export class CreateWebhookSubscriptionHandler implements ICommandHandler<CreateWebhookSubscriptionCommand, WebhookSubscriptionView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly sealer: WebhookSecretSealer,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  async execute(cmd: CreateWebhookSubscriptionCommand): Promise<WebhookSubscriptionView> {
    const url = validateWebhookUrl(cmd.url, this.settings.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true');
    const known = EventCatalogue.all().map((e) => e.type);
    cmd.eventTypes.forEach((t, i) => {
      const ok = t.endsWith('.*') ? known.some((k) => k.startsWith(t.slice(0, -1))) : known.includes(t);
      if (!ok) throw new DomainError('validation_failed', `eventTypes[${i}] ${t} is no published event type or prefix of one (see GET /v1/event-catalog)`, { errors: [{ field: `eventTypes[${i}]`, message: 'is no published event type or prefix of one' }] });
    });
    const refused = await this.sender.checkTarget(url);
    if (refused) throw new DomainError('validation_failed', `url ${refused}`, { errors: [{ field: 'url', message: refused }] });
    return this.uow.run(cmd, async () => {
      const id = randomUUID();
      const secret = newWebhookSecret();
      const sub = WebhookSubscription.create(
        { id, tenantId: cmd.tenantId, projectIds: cmd.scope?.projectIds ?? null, url, eventTypes: cmd.eventTypes, description: cmd.description, sealedSecret: this.sealer.seal(secret, id), createdBy: cmd.by },
        this.clock.now(),
      );
      await this.subscriptions.save(sub);
      return subscriptionView(sub, sub.version, secret);
    });
  }
}
