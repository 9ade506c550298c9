import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, VersionConflictError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { newWebhookSecret } from '../../../domain/webhook-signature';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookSecretSealer } from '../../ports/secret-sealer.port';
import { WebhookSubscriptionView, reachable, subscriptionView } from '../../webhooks.views';
import { RotateWebhookSecretCommand } from './rotate-webhook-secret.command';

@CommandHandler(RotateWebhookSecretCommand)
export class RotateWebhookSecretHandler implements ICommandHandler<RotateWebhookSecretCommand, WebhookSubscriptionView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly sealer: WebhookSecretSealer,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RotateWebhookSecretCommand): Promise<WebhookSubscriptionView> {
    return this.uow.run(cmd, async () => {
      const sub = reachable(await this.subscriptions.findById(cmd.subscriptionId, { lock: true }), cmd.subscriptionId, cmd.scope);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== sub.version) throw new VersionConflictError(cmd.expectedVersion, sub.version);
      const now = this.clock.now();
      const secret = newWebhookSecret();
      sub.rotateSecret(this.sealer.seal(secret, sub.id), new Date(now.getTime() + cmd.overlapSeconds * 1000), cmd.by, now);
      await this.subscriptions.save(sub);
      return subscriptionView(sub, sub.version, secret);
    });
  }
}
