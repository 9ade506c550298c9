import { AccessScope, NotFoundError, Serialized, serialized } from '@rcp/ddd';
import { WebhookSubscription, WebhookSubscriptionSnapshot } from '../domain/webhook-subscription.aggregate';
import { AttemptRecord, DeliveryRecord } from './ports/webhook-deliveries.port';

/** A subscription as the API shows it: never a secret (only when created or rotated, once). */
export type WebhookSubscriptionView = Serialized<Omit<WebhookSubscriptionSnapshot, 'sealedSecret' | 'previousSealedSecret' | 'deadLetterStreak' | 'state'>> & {
  state: 'active' | 'disabled';
  version: number;
  /** Shown once, in the answer that created or rotated it. */
  secret?: string | null;
};

export function subscriptionView(s: WebhookSubscription, version = s.version, secret?: string): WebhookSubscriptionView {
  const { sealedSecret: _s, previousSealedSecret: _p, deadLetterStreak: _d, state, ...rest } = s.snapshot();
  return { ...serialized(rest), state: state === 'deleted' ? 'disabled' : state, version, ...(secret !== undefined ? { secret } : {}) };
}

export type WebhookDeliveryView = Serialized<DeliveryRecord> & { log?: Array<Serialized<AttemptRecord>> };

export const deliveryView = (d: DeliveryRecord & { log?: AttemptRecord[] }): WebhookDeliveryView => serialized(d) as WebhookDeliveryView;

/**
 * The subscription the caller may reach: another tenant's (row-level security hides it), a deleted one,
 * or, for a token limited to projects, one not limited to those projects, is 404.
 */
export function reachable(s: WebhookSubscription | null, id: string, scope: AccessScope | undefined): WebhookSubscription {
  const snap = s?.snapshot();
  const inProjects = !scope?.projectIds || (snap?.projectIds ?? []).length > 0 && snap!.projectIds!.every((p) => scope.projectIds!.includes(p));
  if (!s || !snap || snap.state === 'deleted' || !inProjects) throw new NotFoundError('Webhook subscription', id);
  return s;
}
