import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRunner } from '@rcp/jobs';
import { DeliveryWorker, OutboxRelay } from '@rcp/messaging';
import { MetricsService } from '@rcp/observability';

/**
 * What the worker role runs: the outbox relay (one leader across all workers), the delivery lanes (in
 * every worker), and maintenance on the leader: re-adding job hints that Redis lost, expiring
 * idempotency keys. Every process refreshes the operational gauges it serves on /metrics.
 */
@Injectable()
export class WorkerRuntime implements BeforeApplicationShutdown {
  private readonly log = new Logger('WorkerRuntime');
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private lastIdempotencySweep = 0;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly deliveries: DeliveryWorker,
    private readonly jobs: JobRunner,
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  startWorker(): void {
    if (this.started) return;
    this.started = true;
    this.relay.start();
    this.deliveries.start();
    this.timers.push(setInterval(() => void this.maintain(), 5000));
    this.log.log('worker role started: relay, delivery lanes, job processor');
  }

  startGauges(): void {
    this.timers.push(setInterval(() => void this.refreshGauges(), 5000));
  }

  /** Leader-only maintenance round; public so tests can run it on demand. */
  async maintain(): Promise<void> {
    if (!this.relay.isLeader) return;
    try {
      await this.jobs.sweep();
      if (Date.now() - this.lastIdempotencySweep > 600_000) {
        this.lastIdempotencySweep = Date.now();
        await this.ds.query(`DELETE FROM platform.idempotency_keys WHERE expires_at < now()`);
      }
    } catch (err) {
      this.log.warn(`maintenance failed: ${(err as Error).message}`);
    }
  }

  async refreshGauges(): Promise<void> {
    try {
      const [outbox] = await this.ds.query(
        `SELECT count(*)::int AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(recorded_at)), 0)::float AS age FROM platform.outbox_events`,
      );
      this.metrics.outboxBacklog.set(outbox.n);
      this.metrics.outboxOldestAge.set(outbox.age);
      const deliveries: Array<{ state: string; n: number }> = await this.ds.query(
        `SELECT state, count(*)::int AS n FROM platform.event_deliveries GROUP BY state`,
      );
      for (const s of ['pending', 'failed', 'dead_letter']) this.metrics.deliveriesByState.set({ state: s }, deliveries.find((d) => d.state === s)?.n ?? 0);
      const jobs: Array<{ state: string; n: number }> = await this.ds.query(`SELECT state, count(*)::int AS n FROM platform.jobs GROUP BY state`);
      for (const s of ['queued', 'running', 'completed', 'failed', 'retrying', 'dead_letter']) this.metrics.jobsByState.set({ state: s }, jobs.find((j) => j.state === s)?.n ?? 0);
    } catch {
      /* metrics are best effort */
    }
  }

  /** Stops the loops and lets in-flight rounds finish; the leader lock is released with its session. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.started) {
      this.log.log('shutting down: finishing in-flight deliveries and releasing the relay leadership');
      await this.relay.stop();
      await this.deliveries.stop();
    }
  }
}
