import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRunner, PeriodicTasks } from '@rcp/jobs';
import { DeliveryWorker, OutboxRelay } from '@rcp/messaging';
import { MetricsService } from '@rcp/observability';
import { RetentionPruner } from './retention-pruner';

const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'retrying', 'dead_letter'] as const;

/**
 * The jobs gauge's one statement: exact counts of every state but `completed` (the states an operator
 * acts on, kept small by the work itself and by retention), read from the `(state, created_at, id)`
 * index without touching completed jobs; and `completed` estimated from the table statistics
 * (`reltuples`, kept by autovacuum/ANALYZE) minus the others. Counting every job took 114 ms at 1M rows.
 */
export const JOB_GAUGE_SQL = `SELECT s.state, (SELECT count(*) FROM platform.jobs j WHERE j.state = s.state)::float8 AS n
  FROM unnest(ARRAY['queued', 'running', 'retrying', 'failed', 'dead_letter']) AS s(state)
  UNION ALL
  SELECT 'table', GREATEST(reltuples, 0)::float8 FROM pg_class WHERE oid = 'platform.jobs'::regclass`;

/**
 * What the worker role runs: the outbox relay (one leader across all workers), the delivery lanes (in
 * every worker), and maintenance on the leader: re-adding job hints that Redis lost or that a stopped
 * process holds (also for jobs whose lease expired), expiring idempotency keys, pruning by the
 * retention settings. The operational gauges (outbox backlog,
 * deliveries and jobs by state) are database-wide figures: only the relay leader computes and serves
 * them, so a scrape of every process sees them once (use `max` or `sum` across processes) and the
 * database answers one set of counting queries per interval, not one per process.
 */
@Injectable()
export class WorkerRuntime implements BeforeApplicationShutdown {
  private readonly log = new Logger('WorkerRuntime');
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private lastIdempotencySweep = 0;
  private pruning?: Promise<unknown>;
  private maintaining?: Promise<void>;
  private gaugesLive = false;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly deliveries: DeliveryWorker,
    private readonly jobs: JobRunner,
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
    private readonly pruner: RetentionPruner,
    private readonly periodic: PeriodicTasks,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  startWorker(): void {
    if (this.started) return;
    this.started = true;
    this.relay.start();
    this.deliveries.start();
    this.timers.push(setInterval(() => void this.maintain(), this.settings.JOB_SWEEP_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.prune(), this.settings.RETENTION_INTERVAL_SECONDS * 1000));
    const audit = this.pruner.auditPolicy;
    if (!audit.prune) this.log.log(`the audit log is not pruned: ${audit.reason}`);
    this.log.log('worker role started: relay, delivery lanes, job processor');
  }

  /** A retention run on the leader, unless one is still going. Public so tests can run it on demand. */
  async prune(): Promise<void> {
    if (!this.relay.isLeader || this.pruning) return;
    this.pruning = this.pruner.run().catch((err: Error) => this.log.warn(`retention run failed: ${err.message}`));
    try {
      await this.pruning;
    } finally {
      this.pruning = undefined;
    }
  }

  startGauges(): void {
    this.timers.push(setInterval(() => void this.refreshGauges(), 5000));
  }

  /**
   * Leader-only maintenance round, every `JOB_SWEEP_INTERVAL_MS` (one at a time): the job sweep, the
   * contexts' periodic tasks (`PeriodicTasks`), and now and then the expiry of idempotency keys. Public so tests can run it on demand.
   */
  async maintain(): Promise<void> {
    if (!this.relay.isLeader || this.maintaining) return;
    this.maintaining = this.maintainOnce();
    try {
      await this.maintaining;
    } finally {
      this.maintaining = undefined;
    }
  }

  private async maintainOnce(): Promise<void> {
    try {
      await this.jobs.sweep();
      this.periodic.runDue();
      if (Date.now() - this.lastIdempotencySweep > 600_000) {
        this.lastIdempotencySweep = Date.now();
        await this.ds.query(`DELETE FROM platform.idempotency_keys WHERE expires_at < now()`);
      }
    } catch (err) {
      this.log.warn(`maintenance failed: ${(err as Error).message}`);
    }
  }

  /**
   * Refreshes the database-wide gauges on the relay leader; any other process (api replicas, other
   * workers) runs no query and serves none of them (it clears them when it stops leading).
   */
  async refreshGauges(): Promise<void> {
    if (!this.relay.isLeader) {
      if (this.gaugesLive) this.clearGauges();
      return;
    }
    try {
      // The outbox is drained continuously: count it exactly up to 10k rows, beyond that report the
      // span of its sequence (an upper bound read from the primary key's two ends).
      const [outbox] = await this.ds.query(
        `SELECT (SELECT count(*) FROM (SELECT 1 FROM platform.outbox_events LIMIT 10001) s)::int AS n,
                (SELECT max(seq) - min(seq) + 1 FROM platform.outbox_events)::float8 AS span,
                COALESCE(EXTRACT(EPOCH FROM now() - (SELECT recorded_at FROM platform.outbox_events ORDER BY seq LIMIT 1)), 0)::float8 AS age`,
      );
      this.metrics.outboxBacklog.set(outbox.n > 10_000 ? outbox.span : outbox.n);
      this.metrics.outboxOldestAge.set(outbox.age);
      // Deliveries that are done are deleted, so this table holds only the backlog.
      // `held`: deliveries waiting behind an earlier one of their (handler, aggregate) queue.
      const deliveries: Array<{ state: string; n: number }> = await this.ds.query(
        `SELECT CASE WHEN head THEN state ELSE 'held' END AS state, count(*)::int AS n FROM platform.event_deliveries GROUP BY 1`,
      );
      for (const s of ['pending', 'failed', 'dead_letter', 'held']) this.metrics.deliveriesByState.set({ state: s }, deliveries.find((d) => d.state === s)?.n ?? 0);
      const jobs: Array<{ state: string; n: number }> = await this.ds.query(JOB_GAUGE_SQL);
      const counted = new Map(jobs.map((j) => [j.state, Number(j.n)]));
      const others = JOB_STATES.filter((s) => s !== 'completed').reduce((sum, s) => sum + (counted.get(s) ?? 0), 0);
      for (const s of JOB_STATES) {
        this.metrics.jobsByState.set({ state: s }, s === 'completed' ? Math.max(0, Math.round((counted.get('table') ?? 0) - others)) : (counted.get(s) ?? 0));
      }
      this.gaugesLive = true;
    } catch {
      /* metrics are best effort */
    }
  }

  private clearGauges(): void {
    this.metrics.outboxBacklog.reset();
    this.metrics.outboxOldestAge.reset();
    this.metrics.deliveriesByState.reset();
    this.metrics.jobsByState.reset();
    this.gaugesLive = false;
  }

  /** Stops the loops and lets in-flight rounds finish; the leader lock is released with its session. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.pruner.stop();
    await this.pruning;
    await this.maintaining;
    await this.periodic.settled();
    if (this.started) {
      this.log.log('shutting down: finishing in-flight deliveries and releasing the relay leadership');
      await this.relay.stop();
      await this.deliveries.stop();
    }
  }
}
