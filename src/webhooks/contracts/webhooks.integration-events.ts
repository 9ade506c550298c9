import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/** Published events of webhook subscriptions (`rcp.webhooks.*.v1`). Never a secret, never a URL's query. */

const ref = { subscriptionId: { type: 'string', format: 'uuid' }, tenantId: { type: 'string' } };
const REF = ['subscriptionId', 'tenantId'];

export interface WebhookSubscriptionCreatedData {
  subscriptionId: string;
  tenantId: string;
  target: string;
  eventTypes: string[];
  createdBy: string;
}
@PublishedEvent({
  type: 'rcp.webhooks.subscription-created.v1',
  description: 'A tenant subscribed a webhook receiver (its scheme, host and path; never the query) to event types or prefixes.',
  schema: { type: 'object', required: [...REF, 'target', 'eventTypes', 'createdBy'], properties: { ...ref, target: { type: 'string' }, eventTypes: { type: 'array', items: { type: 'string' } }, createdBy: { type: 'string' } } },
})
export class WebhookSubscriptionCreatedV1 extends IntegrationEvent<WebhookSubscriptionCreatedData> {}

export interface WebhookSecretRotatedData {
  subscriptionId: string;
  tenantId: string;
  previousValidUntil: string;
  by: string;
}
@PublishedEvent({
  type: 'rcp.webhooks.secret-rotated.v1',
  description: 'The signing secret of a subscription was rotated; deliveries carry both signatures until `previousValidUntil`.',
  schema: { type: 'object', required: [...REF, 'previousValidUntil', 'by'], properties: { ...ref, previousValidUntil: { type: 'string', format: 'date-time' }, by: { type: 'string' } } },
})
export class WebhookSecretRotatedV1 extends IntegrationEvent<WebhookSecretRotatedData> {}

export interface WebhookSubscriptionDisabledData {
  subscriptionId: string;
  tenantId: string;
  reason: string;
  deadLetters: number;
}
@PublishedEvent({
  type: 'rcp.webhooks.subscription-disabled.v1',
  description: 'A subscription was disabled because its receiver kept failing: WEBHOOK_DISABLE_AFTER_DEAD_LETTERS deliveries in a row were dead-lettered.',
  schema: { type: 'object', required: [...REF, 'reason', 'deadLetters'], properties: { ...ref, reason: { type: 'string' }, deadLetters: { type: 'integer', minimum: 1 } } },
})
export class WebhookSubscriptionDisabledV1 extends IntegrationEvent<WebhookSubscriptionDisabledData> {}

export interface WebhookSubscriptionDeletedData {
  subscriptionId: string;
  tenantId: string;
  by: string;
}
@PublishedEvent({
  type: 'rcp.webhooks.subscription-deleted.v1',
  description: 'A subscription was deleted: nothing more is delivered to it.',
  schema: { type: 'object', required: [...REF, 'by'], properties: { ...ref, by: { type: 'string' } } },
})
export class WebhookSubscriptionDeletedV1 extends IntegrationEvent<WebhookSubscriptionDeletedData> {}
