import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';

export const OUTBOX_CHANNEL = 'rcp_outbox';
export const DELIVERY_CHANNEL = 'rcp_deliveries';

/**
 * Wake-up hints between processes. In-process listeners are called at once; other processes get a
 * coalesced `NOTIFY` sent after commit on a pooled connection (at most one per tick per channel).
 * Hints are only latency optimisations: relay and delivery workers also poll, so a lost hint costs
 * at most one idle interval.
 */
@Injectable()
export class RelayWakeup {
  private readonly local = new EventEmitter();
  private pending = new Set<string>();
  private remoteEnabled = true;

  constructor(private readonly ds: DataSource) {
    this.local.setMaxListeners(50);
  }

  disableRemote(): void {
    this.remoteEnabled = false;
  }

  outboxChanged(): void {
    this.signal(OUTBOX_CHANNEL);
  }

  deliveriesChanged(): void {
    this.signal(DELIVERY_CHANNEL);
  }

  on(channel: string, fn: () => void): () => void {
    this.local.on(channel, fn);
    return () => this.local.off(channel, fn);
  }

  /** Called by the listener connection when another process notified. */
  received(channel: string): void {
    this.local.emit(channel);
  }

  private signal(channel: string): void {
    this.local.emit(channel);
    if (!this.remoteEnabled || this.pending.has(channel)) return;
    this.pending.add(channel);
    setImmediate(() => {
      this.pending.delete(channel);
      if (!this.ds.isInitialized) return;
      this.ds.query(`NOTIFY ${channel}`).catch(() => undefined);
    });
  }
}
