import { Injectable, OnModuleInit } from '@nestjs/common';
import { IEventHandler } from '@nestjs/cqrs';
import { EventCatalogue, EventSubscriptions, IntegrationEvent } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { WebhookDeliveries } from './ports/webhook-deliveries.port';
import { WebhookDispatchSignal } from './webhook-dispatch-signal';

/**
 * Turns every published event into webhook deliveries: one row per active subscription of the event's
 * tenant whose types (exact or `prefix.*`) and projects match it. It subscribes to every type of the
 * catalogue through the spine, so it runs once per event, in the event's tenant scope, in a transaction
 * with its inbox row: a redelivered event adds no second delivery (and the rows are unique per
 * subscription and event as well).
 */
@Injectable()
export class FanOutWebhooksOnEventsHandler implements IEventHandler<IntegrationEvent>, OnModuleInit {
  constructor(
    private readonly subscriptions: EventSubscriptions,
    private readonly deliveries: WebhookDeliveries,
    private readonly tx: TransactionManager,
    private readonly signal: WebhookDispatchSignal,
  ) {}

  onModuleInit(): void {
    this.subscriptions.register(FanOutWebhooksOnEventsHandler.name, this, EventCatalogue.all().map((e) => e.cls));
  }

  async handle(event: IntegrationEvent): Promise<void> {
    const id = event.meta?.id;
    if (!id || !event.meta?.tenantid) return;
    if ((await this.deliveries.fanOut(id)) > 0) this.tx.afterCommit(() => this.signal.nudge());
  }
}
