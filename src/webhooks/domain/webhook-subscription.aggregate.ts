import { AggregateRoot, DomainError, Lifecycle } from '@rcp/ddd';
import { WebhookSecretRotated, WebhookSubscriptionCreated, WebhookSubscriptionDeleted, WebhookSubscriptionDisabled, WebhookSubscriptionEvent } from './webhooks.domain-events';

export type SubscriptionState = 'active' | 'disabled' | 'deleted';

export interface WebhookSubscriptionSnapshot {
  id: string;
  tenantId: string;
  /** A token limited to projects creates a subscription limited to them (null: every event of the tenant). */
  projectIds: string[] | null;
  url: string;
  /** Exact types (`rcp.deployment.deployment-succeeded.v1`) or prefixes (`rcp.deployment.*`). */
  eventTypes: string[];
  description: string | null;
  state: SubscriptionState;
  disabledReason: string | null;
  /** The signing secret, sealed (never the secret itself). */
  sealedSecret: string;
  /** The secret before the last rotation, still signing until `previousSecretUntil` (both signatures are sent). */
  previousSealedSecret: string | null;
  previousSecretUntil: Date | null;
  /** Dead letters in a row without a delivery succeeding between them. */
  deadLetterStreak: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

type Action = 'rotate' | 'disable' | 'delete';
export const SUBSCRIPTION_LIFECYCLE = new Lifecycle<SubscriptionState, Action>('Webhook subscription', {
  rotate: { from: ['active', 'disabled'], describe: 'rotate its secret' },
  disable: { from: ['active'], to: 'disabled', describe: 'be disabled' },
  delete: { from: ['active', 'disabled'], to: 'deleted', describe: 'be deleted' },
});

const invalid = (field: string, message: string) => new DomainError('validation_failed', `${field} ${message}`, { errors: [{ field, message }] });

/** The part of a URL an event or a log may show: no credentials, no query (receivers put tokens there), no fragment. */
export const targetOf = (url: string): string => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

/**
 * Validates a webhook URL's form: `https` (also `http` where private targets are allowed, for tests and
 * local development), no credentials, no fragment, at most 2,048 characters. Where it resolves to is
 * checked by the adapter when the subscription is created and again before every attempt.
 */
export function validateWebhookUrl(url: string, allowHttp: boolean): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('url', 'must be an absolute URL');
  }
  if (url.length > 2048) throw invalid('url', 'must be at most 2048 characters');
  if (u.protocol !== 'https:' && !(allowHttp && u.protocol === 'http:')) throw invalid('url', 'must be https');
  if (u.username || u.password) throw invalid('url', 'must not carry credentials');
  if (u.hash) throw invalid('url', 'must not have a fragment');
  return u.toString();
}

/**
 * A tenant's subscription to its events, delivered by webhook: where, which types, the sealed signing
 * secret (rotated with an overlap during which both signatures are sent), and whether it still receives
 * (disabled after too many dead letters in a row).
 */
export class WebhookSubscription extends AggregateRoot<string, WebhookSubscriptionEvent> {
  private constructor(
    private s: WebhookSubscriptionSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static create(
    input: { id: string; tenantId: string; projectIds: string[] | null; url: string; eventTypes: string[]; description: string | null; sealedSecret: string; createdBy: string },
    now: Date,
  ): WebhookSubscription {
    if (input.eventTypes.length === 0) throw invalid('eventTypes', 'must name at least one event type or prefix');
    if (input.description && input.description.length > 500) throw invalid('description', 'must be at most 500 characters');
    const eventTypes = [...new Set(input.eventTypes)].sort();
    const sub = new WebhookSubscription(
      { ...input, eventTypes, state: 'active', disabledReason: null, previousSealedSecret: null, previousSecretUntil: null, deadLetterStreak: 0, createdAt: now, updatedAt: now },
      0,
    );
    sub.record(new WebhookSubscriptionCreated(sub.id, { tenantId: input.tenantId, target: targetOf(input.url), eventTypes, createdBy: input.createdBy }, now));
    return sub;
  }

  static rehydrate(s: WebhookSubscriptionSnapshot, version: number): WebhookSubscription {
    return new WebhookSubscription(s, version);
  }

  get state(): SubscriptionState {
    return this.s.state;
  }

  /** A new secret signs from now on; the old one too until `overlapUntil`. */
  rotateSecret(sealedSecret: string, overlapUntil: Date, by: string, now: Date): void {
    SUBSCRIPTION_LIFECYCLE.next(this.s.state, 'rotate');
    this.s.previousSealedSecret = this.s.sealedSecret;
    this.s.previousSecretUntil = overlapUntil;
    this.s.sealedSecret = sealedSecret;
    this.s.updatedAt = now;
    this.record(new WebhookSecretRotated(this.id, { tenantId: this.s.tenantId, previousValidUntil: overlapUntil.toISOString(), by }, now));
  }

  /** A delivery reached the receiver: the streak of dead letters ends. Returns whether it changed. */
  delivered(now: Date): boolean {
    if (this.s.deadLetterStreak === 0) return false;
    this.s.deadLetterStreak = 0;
    this.s.updatedAt = now;
    return true;
  }

  /** A delivery was dead-lettered; after `disableAfter` in a row the subscription is disabled, and an event says so. */
  deadLettered(disableAfter: number, now: Date): void {
    this.s.deadLetterStreak += 1;
    this.s.updatedAt = now;
    if (this.s.state === 'active' && this.s.deadLetterStreak >= disableAfter) {
      this.s.state = SUBSCRIPTION_LIFECYCLE.next(this.s.state, 'disable');
      this.s.disabledReason = `${this.s.deadLetterStreak} deliveries in a row were dead-lettered: the receiver keeps failing`;
      this.record(new WebhookSubscriptionDisabled(this.id, { tenantId: this.s.tenantId, reason: this.s.disabledReason, deadLetters: this.s.deadLetterStreak }, now));
    }
  }

  delete(by: string, now: Date): void {
    this.s.state = SUBSCRIPTION_LIFECYCLE.next(this.s.state, 'delete');
    this.s.updatedAt = now;
    this.record(new WebhookSubscriptionDeleted(this.id, { tenantId: this.s.tenantId, by }, now));
  }

  /** The sealed secrets that sign an attempt now: the current one, and the previous one while its overlap lasts. */
  signingSecrets(now: Date): string[] {
    return this.s.previousSealedSecret && this.s.previousSecretUntil && this.s.previousSecretUntil > now ? [this.s.sealedSecret, this.s.previousSealedSecret] : [this.s.sealedSecret];
  }

  snapshot(): WebhookSubscriptionSnapshot {
    return { ...this.s, eventTypes: [...this.s.eventTypes], projectIds: this.s.projectIds ? [...this.s.projectIds] : null };
  }
}
