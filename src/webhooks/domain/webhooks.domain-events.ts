import { DomainEvent } from '@rcp/ddd';

interface SubscriptionRef {
  tenantId: string;
}
export class WebhookSubscriptionCreated extends DomainEvent<SubscriptionRef & { target: string; eventTypes: string[]; createdBy: string }> {
  readonly name = 'WebhookSubscriptionCreated';
}
export class WebhookSecretRotated extends DomainEvent<SubscriptionRef & { previousValidUntil: string; by: string }> {
  readonly name = 'WebhookSecretRotated';
}
export class WebhookSubscriptionDisabled extends DomainEvent<SubscriptionRef & { reason: string; deadLetters: number }> {
  readonly name = 'WebhookSubscriptionDisabled';
}
export class WebhookSubscriptionDeleted extends DomainEvent<SubscriptionRef & { by: string }> {
  readonly name = 'WebhookSubscriptionDeleted';
}
export type WebhookSubscriptionEvent = WebhookSubscriptionCreated | WebhookSecretRotated | WebhookSubscriptionDisabled | WebhookSubscriptionDeleted;
