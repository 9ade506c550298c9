import { WebhookSubscription } from './webhook-subscription.aggregate';

export abstract class WebhookSubscriptionRepository {
  abstract findById(id: string, opts?: { lock?: boolean }): Promise<WebhookSubscription | null>;
  abstract save(subscription: WebhookSubscription): Promise<void>;
  /** Subscriptions of the caller's tenant that are not deleted, in creation order. */
  abstract page(limit: number, after?: { t: string; id: string }, projectIds?: string[]): Promise<WebhookSubscription[]>;
}
