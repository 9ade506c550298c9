import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { parseSchedule, retryDelayMs } from '../domain/retry-schedule';
import { signedHeaders } from '../domain/webhook-signature';
import { RecordWebhookOutcomeCommand } from './commands/record-webhook-outcome/record-webhook-outcome.command';
import { WebhookSecretSealer } from './ports/secret-sealer.port';
import { AttemptResult, ClaimedDelivery, WebhookDeliveries } from './ports/webhook-deliveries.port';
import { WebhookSender } from './ports/webhook-sender.port';
import { WakeableLoop } from './wakeable-loop';
import { WebhookDispatchSignal } from './webhook-dispatch-signal';

const PLATFORM = { tenantId: null, platform: true } as const;
/** Outcomes are written in batches: at most this long after an attempt ends, or at once when this many wait. */
const FLUSH_MS = 20;
const FLUSH_AT = 200;

/**
 * Sends webhook deliveries on every worker: claims due ones for a lease (so no two workers send one at
 * once, and one a worker dropped is sent again after the lease), signs each as Standard Webhooks says
 * (`webhook-id` is the event id, the same on every attempt, so a receiver drops repeats), sends it, and
 * records the attempt: delivered on a 2xx, else retried after the next wait of WEBHOOK_RETRY_SCHEDULE
 * (±20 %), then dead-lettered. At most WEBHOOK_CONCURRENCY at once, and at most
 * WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION of one subscription, so a slow or dead receiver holds a few slots
 * and delays no other subscription. Outcomes are recorded in batches (every few milliseconds, one
 * statement); until then the delivery's lease keeps it from being sent again, and a worker that dies
 * before recording leaves it to be sent again after the lease (receivers drop the repeat by `webhook-id`).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('WebhookDispatcher');
  private readonly schedule: number[];
  private readonly inFlight = new Map<string, number>();
  private running = 0;
  private readonly loop: WakeableLoop;
  private unsubscribe?: () => void;
  private readonly sends = new Set<Promise<void>>();
  private pending: AttemptResult[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tx: TransactionManager,
    private readonly deliveries: WebhookDeliveries,
    private readonly sender: WebhookSender,
    private readonly sealer: WebhookSecretSealer,
    private readonly commands: CommandBus,
    private readonly signal: WebhookDispatchSignal,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    this.schedule = parseSchedule(settings.WEBHOOK_RETRY_SCHEDULE);
    // Poked when a send ends or deliveries become due, so it looks again at once.
    this.loop = new WakeableLoop(
      async () => (await this.tick()) > 0 && this.running < this.settings.WEBHOOK_CONCURRENCY,
      () => this.settings.WEBHOOK_POLL_MS,
      (err) => this.log.warn(`claiming webhook deliveries failed: ${err.message}`),
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.RCP_ROLE === 'api') return;
    this.unsubscribe = this.signal.on(() => this.loop.poke());
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    this.unsubscribe?.();
    await Promise.allSettled([...this.sends]);
    await this.flush();
  }

  /** Claims what this worker has room for and starts sending it. Returns how many. */
  private async tick(): Promise<number> {
    const room = this.settings.WEBHOOK_CONCURRENCY - this.running;
    if (room <= 0) return 0;
    const cap = this.settings.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION;
    const busy = [...this.inFlight].filter(([, n]) => n >= cap).map(([id]) => id);
    const lease = this.settings.WEBHOOK_TIMEOUT_MS * 3;
    const claimed = await this.tx.run(() => this.deliveries.claim(room, cap, busy, lease), PLATFORM);
    for (const d of claimed) {
      this.running++;
      this.inFlight.set(d.subscriptionId, (this.inFlight.get(d.subscriptionId) ?? 0) + 1);
      const p = this.deliver(d)
        .catch((err: Error) => this.log.warn(`webhook delivery ${d.id} failed to be recorded: ${err.message}`))
        .finally(() => {
          this.running--;
          const n = (this.inFlight.get(d.subscriptionId) ?? 1) - 1;
          if (n <= 0) this.inFlight.delete(d.subscriptionId);
          else this.inFlight.set(d.subscriptionId, n);
          this.sends.delete(p);
          this.loop.poke();
        });
      this.sends.add(p);
    }
    return claimed.length;
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const at = new Date();
    const secrets = d.sealedSecrets.map((s) => this.sealer.open(s, d.subscriptionId));
    const headers = signedHeaders(secrets, d.eventId, Math.floor(at.getTime() / 1000), d.body);
    const outcome = await this.sender.send(d.url, headers, d.body);
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const wait = delivered ? null : retryDelayMs(this.schedule, d.failures + 1);
    const state = delivered ? 'delivered' : wait === null ? 'dead_letter' : 'retrying';
    this.pending.push({ delivery: d, attempt: { attempt: d.attempts + 1, at, status: outcome.status, latencyMs: outcome.latencyMs, error: outcome.error }, state, nextAttemptAt: wait === null ? null : new Date(Date.now() + wait) });
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes the outcomes waiting, one batch at a time; a batch that fails is written again with the next. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending.splice(0);
      if (batch.length === 0) return;
      try {
        await RequestContexts.run(systemContext('webhooks'), () =>
          this.tx.run(async () => {
            await this.deliveries.recordAttempts(batch);
            // A subscription's streak of dead letters: ended by a delivery, grown by a dead letter (which may disable it).
            for (const r of batch) {
              const d = r.delivery;
              if (r.state === 'dead_letter' || (r.state === 'delivered' && d.deadLetterStreak > 0)) {
                await this.commands.execute(new RecordWebhookOutcomeCommand(d.subscriptionId, r.state === 'delivered' ? 'delivered' : 'dead-letter'));
              }
            }
          }, PLATFORM),
        );
      } catch (err) {
        this.log.warn(`recording ${batch.length} webhook attempts failed (tried again with the next batch): ${(err as Error).message}`);
        this.pending.unshift(...batch);
        this.flushTimer ??= setTimeout(() => void this.flush(), 500);
      }
    });
    return this.flushing;
  }
}
