/** What an attempt to deliver came to: the receiver's status (2xx: delivered), or why no answer counts. */
export interface SendOutcome {
  status: number | null;
  latencyMs: number;
  /** A fixed phrase of the control plane's (the receiver's own text is never stored or shown). */
  error: string | null;
}

/**
 * Sends one signed delivery to a receiver: no redirect followed, a time limit, and only to addresses the
 * SSRF guard allows (checked when the URL resolves, and that address is the one connected to).
 */
export abstract class WebhookSender {
  /** Refuses a URL whose host does not resolve, or resolves to an address the guard does not allow: the reason, or null. */
  abstract checkTarget(url: string): Promise<string | null>;
  abstract send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome>;
}
