/**
 * Seals webhook signing secrets at rest (the database holds only the sealed form) and opens them to
 * sign an attempt. The adapter says which key it uses; a control plane without one cannot create
 * subscriptions (it would have to store a secret in the clear).
 */
export abstract class WebhookSecretSealer {
  abstract seal(secret: string, subscriptionId: string): string;
  abstract open(sealed: string, subscriptionId: string): string;
}
