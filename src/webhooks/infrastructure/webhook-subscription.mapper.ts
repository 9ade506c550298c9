import { publishing } from '@rcp/messaging';
import { WebhookSecretRotatedV1, WebhookSubscriptionCreatedV1, WebhookSubscriptionDeletedV1, WebhookSubscriptionDisabledV1 } from '../contracts';
import { WebhookSubscription } from '../domain/webhook-subscription.aggregate';
import { WebhookSubscriptionEvent } from '../domain/webhooks.domain-events';
import { WebhookSubscriptionOrmEntity } from './webhook-subscription.orm-entity';

export const WebhookSubscriptionMapper = {
  toDomain({ version, ...row }: WebhookSubscriptionOrmEntity): WebhookSubscription {
    return WebhookSubscription.rehydrate(row, version);
  },
  toRow(s: WebhookSubscription): Omit<WebhookSubscriptionOrmEntity, 'version'> {
    return s.snapshot();
  },
  toIntegrationEvents: publishing<WebhookSubscriptionEvent>({
    WebhookSubscriptionCreated: (e) => new WebhookSubscriptionCreatedV1({ ...e.payload, eventTypes: [...e.payload.eventTypes], subscriptionId: e.aggregateId }),
    WebhookSecretRotated: (e) => new WebhookSecretRotatedV1({ ...e.payload, subscriptionId: e.aggregateId }),
    WebhookSubscriptionDisabled: (e) => new WebhookSubscriptionDisabledV1({ ...e.payload, subscriptionId: e.aggregateId }),
    WebhookSubscriptionDeleted: (e) => new WebhookSubscriptionDeletedV1({ ...e.payload, subscriptionId: e.aggregateId }),
  }),
};
