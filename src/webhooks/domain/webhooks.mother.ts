import { WebhookSubscription } from './webhook-subscription.aggregate';

/** Object mothers of webhook subscriptions (tests only). */
export const T0 = new Date('2026-12-04T10:00:00Z');

export function aSubscription(over: Partial<Parameters<typeof WebhookSubscription.create>[0]> = {}): WebhookSubscription {
  const s = WebhookSubscription.create(
    { id: '55555555-5555-4555-8555-555555555555', tenantId: 'acme', projectIds: null, url: 'https://hooks.example.com/rcp?token=abc', eventTypes: ['rcp.deployment.*'], description: null, sealedSecret: 'v1.sealed', createdBy: 'admin@acme', ...over },
    T0,
  );
  return s;
}
