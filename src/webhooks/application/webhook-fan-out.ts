import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { DELIVERY_CHANNEL, RelayWakeup } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { WebhookDeliveries } from './ports/webhook-deliveries.port';
import { WakeableLoop } from './wakeable-loop';
import { WebhookDispatchSignal } from './webhook-dispatch-signal';

const PLATFORM = { tenantId: null, platform: true } as const;
/** Events one fan-out transaction reads from the log. */
const BATCH = 1000;

/**
 * Turns the event log into webhook deliveries, in position (commit) order, a batch of events per
 * transaction: the deliveries and the cursor's move commit together, so each event is fanned out once
 * (the rows are also unique per subscription and event). Whichever worker holds the cursor row does it;
 * the others skip. Woken when the relay has committed new positions (in this process, or by its NOTIFY),
 * and every WEBHOOK_POLL_MS.
 */
@Injectable()
export class WebhookFanOut implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('WebhookFanOut');
  private readonly loop: WakeableLoop;
  private unsubscribe?: () => void;

  constructor(
    private readonly tx: TransactionManager,
    private readonly deliveries: WebhookDeliveries,
    private readonly wakeup: RelayWakeup,
    private readonly signal: WebhookDispatchSignal,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    this.loop = new WakeableLoop(
      () => this.round(),
      () => this.settings.WEBHOOK_POLL_MS,
      (err) => this.log.warn(`fanning events out to webhooks failed: ${err.message}`),
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.RCP_ROLE === 'api') return;
    this.unsubscribe = this.wakeup.on(DELIVERY_CHANNEL, () => this.loop.poke());
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    this.unsubscribe?.();
  }

  /** One batch; true when it was full (more events are waiting). */
  private async round(): Promise<boolean> {
    const done = await this.tx.run(() => this.deliveries.fanOut(BATCH), PLATFORM);
    if (done && done.deliveries > 0) this.signal.nudge();
    return done?.events === BATCH;
  }
}
