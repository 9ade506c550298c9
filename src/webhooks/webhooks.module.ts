/**
 * # Webhooks (beside the contexts: it delivers every context's events, owns no runtime state)
 *
 * A tenant's receivers of its events: subscriptions (`whsec_` signing secret generated, shown once,
 * sealed at rest, rotated with an overlap), deliveries as durable work in Postgres (one row per
 * subscription and event, fanned out from the event log in commit order, a batch per transaction with
 * its cursor, so at least once and never twice per subscription), signed per Standard Webhooks, retried on a schedule, then dead-lettered; a receiver
 * that keeps failing is disabled. An SSRF guard keeps URLs to https and public addresses. Deliveries are
 * pruned by the retention windows of jobs (delivered) and dead letters.
 *
 * - API: `POST/GET /v1/webhook-subscriptions`, `GET/DELETE …/{id}`, `POST …/{id}/rotate-secret`,
 *   `GET …/{id}/deliveries`, `GET …/{id}/deliveries/{deliveryId}`, `POST …/{id}/deliveries/{deliveryId}/retry`.
 * - Publishes: rcp.webhooks.subscription-created, secret-rotated, subscription-disabled, subscription-deleted (v1).
 * - Reads: the event log (the fan-out), after its own cursor.
 * - Schema: `webhooks`, under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, SystemClock } from '@rcp/ddd';
import { CreateWebhookSubscriptionHandler } from './application/commands/create-webhook-subscription/create-webhook-subscription.handler';
import { DeleteWebhookSubscriptionHandler } from './application/commands/delete-webhook-subscription/delete-webhook-subscription.handler';
import { RecordWebhookOutcomeHandler } from './application/commands/record-webhook-outcome/record-webhook-outcome.handler';
import { RetryWebhookDeliveryHandler } from './application/commands/retry-webhook-delivery/retry-webhook-delivery.handler';
import { RotateWebhookSecretHandler } from './application/commands/rotate-webhook-secret/rotate-webhook-secret.handler';
import { WebhookSecretSealer } from './application/ports/secret-sealer.port';
import { WebhookDeliveries } from './application/ports/webhook-deliveries.port';
import { WebhookSender } from './application/ports/webhook-sender.port';
import { GetWebhookDeliveryHandler } from './application/queries/get-webhook-delivery/get-webhook-delivery.handler';
import { GetWebhookSubscriptionHandler } from './application/queries/get-webhook-subscription/get-webhook-subscription.handler';
import { ListWebhookDeliveriesHandler } from './application/queries/list-webhook-deliveries/list-webhook-deliveries.handler';
import { ListWebhookSubscriptionsHandler } from './application/queries/list-webhook-subscriptions/list-webhook-subscriptions.handler';
import { WebhookDispatchSignal } from './application/webhook-dispatch-signal';
import { WebhookDispatcher } from './application/webhook-dispatcher';
import { WebhookFanOut } from './application/webhook-fan-out';
import { WebhookRetention } from './application/webhook-retention';
import { WebhookSubscriptionRepository } from './domain/webhooks.repository';
import { AesGcmWebhookSecretSealer } from './infrastructure/aes-gcm.secret-sealer';
import { GuardedWebhookSender } from './infrastructure/guarded.webhook-sender';
import { TypeOrmWebhookDeliveries } from './infrastructure/typeorm-webhook-deliveries';
import { TypeOrmWebhookSubscriptions } from './infrastructure/typeorm-webhook-subscriptions';
import { WebhookSubscriptionOrmEntity } from './infrastructure/webhook-subscription.orm-entity';
import { WebhooksController } from './interface/http/webhooks.controller';

@Module({
  imports: [TypeOrmModule.forFeature([WebhookSubscriptionOrmEntity])],
  controllers: [WebhooksController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: WebhookSubscriptionRepository, useClass: TypeOrmWebhookSubscriptions },
    { provide: WebhookDeliveries, useClass: TypeOrmWebhookDeliveries },
    { provide: WebhookSecretSealer, useClass: AesGcmWebhookSecretSealer },
    { provide: WebhookSender, useClass: GuardedWebhookSender },
    WebhookDispatchSignal,
    WebhookDispatcher,
    WebhookFanOut,
    WebhookRetention,
    CreateWebhookSubscriptionHandler,
    DeleteWebhookSubscriptionHandler,
    RotateWebhookSecretHandler,
    RetryWebhookDeliveryHandler,
    RecordWebhookOutcomeHandler,
    ListWebhookSubscriptionsHandler,
    GetWebhookSubscriptionHandler,
    ListWebhookDeliveriesHandler,
    GetWebhookDeliveryHandler,
  ],
})
export class WebhooksModule {}
