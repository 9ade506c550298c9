/** A delivery as its log shows it. */
export interface DeliveryRecord {
  id: string;
  subscriptionId: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  state: 'pending' | 'retrying' | 'delivered' | 'dead_letter';
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface AttemptRecord {
  attempt: number;
  at: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/** One attempt's outcome and the state it leaves its delivery in. */
export interface AttemptResult {
  delivery: ClaimedDelivery;
  attempt: AttemptRecord;
  state: DeliveryRecord['state'];
  nextAttemptAt: Date | null;
}

/** A delivery claimed for sending, with what signing it needs. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  tenantId: string;
  eventId: string;
  body: string;
  url: string;
  /** Attempts made before this one. */
  attempts: number;
  /** Failed attempts since the schedule last started (a manual retry starts it again). */
  failures: number;
  /** The subscription's sealed signing secrets now: the current one, and the previous one while its overlap lasts. */
  sealedSecrets: string[];
  /** The subscription's dead letters in a row (a delivery that succeeds ends the streak). */
  deadLetterStreak: number;
}

/**
 * The webhook deliveries, durable work in Postgres: one row per (subscription, event), claimed for a
 * lease by the worker that sends it, each attempt logged.
 */
export abstract class WebhookDeliveries {
  /**
   * Turns the next events of the log (after the fan-out cursor, at most `batch`) into deliveries: one row
   * for every active subscription of each event's tenant, created before the event, whose types and
   * projects match it; and moves the cursor past them, in the caller's transaction. Null when another
   * worker holds the cursor; else how many events were read and deliveries made.
   */
  abstract fanOut(batch: number): Promise<{ events: number; deliveries: number } | null>;
  /** Due deliveries, at most `perSubscription` of one subscription, none of `busy` (subscriptions this worker holds at its cap). */
  abstract claim(limit: number, perSubscription: number, busy: string[], leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Records attempts and each delivery's next state (`nextAttemptAt` for a retry), in one statement. */
  abstract recordAttempts(batch: AttemptResult[]): Promise<void>;
  abstract page(subscriptionId: string, limit: number, after?: { t: string; id: string }): Promise<DeliveryRecord[]>;
  abstract get(subscriptionId: string, deliveryId: string): Promise<(DeliveryRecord & { log: AttemptRecord[] }) | null>;
  /** Dead-letters every delivery of the subscription still waiting, with the reason (it was disabled or deleted). */
  abstract abandon(subscriptionId: string, reason: string): Promise<void>;
  /** A dead-lettered delivery is due again now, its retry schedule started over. False when it is not dead-lettered. */
  abstract retry(subscriptionId: string, deliveryId: string): Promise<boolean>;
}
