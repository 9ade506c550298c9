import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { WebhookSubscriptionRepository } from '../../../domain/webhooks.repository';
import { WebhookDeliveries } from '../../ports/webhook-deliveries.port';
import { RecordWebhookOutcomeCommand } from './record-webhook-outcome.command';

@CommandHandler(RecordWebhookOutcomeCommand)
export class RecordWebhookOutcomeHandler implements ICommandHandler<RecordWebhookOutcomeCommand, void> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: RecordWebhookOutcomeCommand): Promise<void> {
    return this.uow.run(cmd, async (note) => {
      const sub = await this.subscriptions.findById(cmd.subscriptionId, { lock: true });
      if (!sub) return unchanged(undefined);
      note.tenantId = sub.snapshot().tenantId;
      const now = this.clock.now();
      if (cmd.outcome === 'delivered') {
        if (!sub.delivered(now)) return unchanged(undefined);
      } else {
        sub.deadLettered(this.settings.WEBHOOK_DISABLE_AFTER_DEAD_LETTERS, now);
        if (sub.state === 'disabled') await this.deliveries.abandon(sub.id, 'the subscription was disabled: its receiver kept failing');
      }
      await this.subscriptions.save(sub);
    });
  }
}
