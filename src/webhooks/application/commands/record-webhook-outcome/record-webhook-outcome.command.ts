import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** A delivery of the subscription was delivered or dead-lettered: the streak of dead letters moves, and may disable it. */
@AuditedCommand<RecordWebhookOutcomeCommand, void>({ action: 'webhook-subscription.record-{outcome}', targetType: 'webhook-subscription', targetId: (c) => c.subscriptionId })
export class RecordWebhookOutcomeCommand extends Command<void> {
  constructor(
    readonly subscriptionId: string,
    readonly outcome: 'delivered' | 'dead-letter',
  ) {
    super();
  }
}
