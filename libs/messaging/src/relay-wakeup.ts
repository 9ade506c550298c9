import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';

export const OUTBOX_CHANNEL = 'rcp_outbox';
export const DELIVERY_CHANNEL = 'rcp_deliveries';

/** Shortest interval between two NOTIFYs on one channel from one process. */
export const NOTIFY_MIN_INTERVAL_MS = 5;

/**
 * Wake-up hints between processes. In-process listeners are called at once; other processes get a
 * `NOTIFY` sent after commit on a pooled connection, throttled to one per channel per
 * {@link NOTIFY_MIN_INTERVAL_MS} (a signal inside the window is sent at its end, never dropped).
 * Every NOTIFY is a round trip to Postgres, so the ones nobody needs are not sent: none on the outbox
 * channel while this process's own relay leads (it was woken in-process, and followers ignore outbox
 * hints), and this process's own NOTIFYs coming back on its listening session are ignored.
 * Hints are only latency optimisations: relay and delivery workers also poll, so a lost hint costs
 * at most one idle interval.
 */
@Injectable()
export class RelayWakeup {
  private readonly local = new EventEmitter();
  private readonly lastSent = new Map<string, number>();
  private readonly scheduled = new Set<string>();
  /** Backend pids of this process's pooled connections that sent a NOTIFY (to ignore the echo). */
  private readonly ownPids = new Set<number>();
  private remoteEnabled = true;
  private relayLeadsHere = false;

  constructor(private readonly ds: DataSource) {
    // Long polls of the feed each listen while they wait.
    this.local.setMaxListeners(1000);
  }

  disableRemote(): void {
    this.remoteEnabled = false;
  }

  /** Set by the relay: while it leads in this process, outbox hints stay in-process. */
  setLocalRelayLeader(leads: boolean): void {
    this.relayLeadsHere = leads;
  }

  outboxChanged(): void {
    this.local.emit(OUTBOX_CHANNEL);
    if (!this.relayLeadsHere) this.notifyRemote(OUTBOX_CHANNEL);
  }

  deliveriesChanged(): void {
    this.local.emit(DELIVERY_CHANNEL);
    this.notifyRemote(DELIVERY_CHANNEL);
  }

  on(channel: string, fn: () => void): () => void {
    this.local.on(channel, fn);
    return () => this.local.off(channel, fn);
  }

  /** Called by the listening session when a NOTIFY arrived (`pid`: the backend that sent it). */
  received(channel: string, pid?: number): void {
    if (pid !== undefined && this.ownPids.has(pid)) return; // our own hint: listeners were called when it was sent
    this.local.emit(channel);
  }

  private notifyRemote(channel: string): void {
    if (!this.remoteEnabled || this.scheduled.has(channel)) return;
    this.scheduled.add(channel);
    const wait = Math.max(0, (this.lastSent.get(channel) ?? 0) + NOTIFY_MIN_INTERVAL_MS - Date.now());
    const send = () => {
      this.scheduled.delete(channel);
      this.lastSent.set(channel, Date.now());
      if (!this.ds.isInitialized) return;
      this.ds
        .query(`SELECT pg_notify($1, '') AS sent, pg_backend_pid() AS pid`, [channel])
        .then((rows: Array<{ pid: number }>) => {
          if (this.ownPids.size > 256) this.ownPids.clear();
          this.ownPids.add(rows[0].pid);
        })
        .catch(() => undefined);
    };
    // At least one tick later, so signals of one burst of commits share a NOTIFY.
    if (wait === 0) setImmediate(send);
    else setTimeout(send, wait).unref();
  }
}
