import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService, RequestContexts, SpanKind, SpanStatusCode, TracedSpan, systemContext, withSpan } from '@rcp/observability';
import { TransactionManager, rowsOf, workerActor, workerScope } from '@rcp/persistence';
import { AwaitingOutcome, JOB_HANDLER_METADATA, JobHandler, JobInfo, NonRetryableJobError, jobBackoffMs } from './job-handler';
import { JobsService } from './jobs.service';
import { withTimeout } from './with-timeout';

interface ClaimedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  tenant_id: string | null;
  project_id: string | null;
  target_type: string | null;
  target_id: string | null;
  parent_id: string | null;
  correlation_id: string | null;
  /** The enqueuer's W3C traceparent (null for rows enqueued before it was recorded). */
  traceparent: string | null;
  /** This run's fencing token (new at every claim): see {@link JobRunner}. */
  lease_token: string;
}

/** How one call of {@link JobRunner.run} ended; `lost` when its run no longer owned the job and committed nothing. */
export type JobRunOutcome = 'completed' | 'retrying' | 'failed' | 'dead_letter' | 'skipped' | 'lost';

/** The completion of a run found the job no longer leased to it: its transaction is rolled back. */
class LeaseLostError extends Error {
  constructor() {
    super('lease lost: the job was taken over or handed back; this run commits nothing');
  }
}

/**
 * Runs one job from the ledger, whatever told it to (a BullMQ hint, a duplicate hint, the sweeper).
 * Claiming is a conditional UPDATE (`queued|retrying`, or `running` with an expired lease), so a job runs
 * in one place at a time; its effect and its `completed` mark commit in one transaction, so a job that
 * is run twice has its effect once. The transaction is opened in the job's tenant scope (on the tenant
 * login, as a request of that tenant's token is), so row-level security holds the handler and every
 * command it dispatches to the tenant's rows; the completion is an update of the job's own ledger row,
 * which that scope may write. A job without a tenant, or whose handler is declared
 * `@PlatformScope(reason)`, runs platform-scoped. (Claiming, renewing, failing and releasing are
 * statements of their own on the system login.) Failures are retried with backoff until `max_attempts`, then
 * `dead_letter`; a `NonRetryableJobError` ends it `failed` at once. A handler that returns
 * `AwaitingOutcome` leaves its job `running` without a lease until `JobsService.settle` ends it.
 *
 * Leases and fencing: a claim writes a new `lease_token`, and the run renews its lease every third of
 * `JOB_LEASE_SECONDS` while it runs. A worker frozen (or cut off) past its lease loses the job to
 * another worker; renewing, completing, failing and releasing all apply only `WHERE lease_token` is
 * still the run's own, so when the frozen run wakes up its completion finds no row, throws, and its
 * effect rolls back with it. What a run does outside the database cannot be rolled back: handlers
 * send `JobInfo.idempotencyKey` with such calls, so the second run's call is a repeat, not new work.
 *
 * With tracing on, each run is a span (`job <name>`), a child of the span that enqueued the job (the
 * ledger row's `traceparent`), in whichever process runs it; the job's context carries the span.
 */
@Injectable()
export class JobRunner implements OnModuleInit {
  private readonly log = new Logger('JobRunner');
  private readonly handlers = new Map<string, JobHandler>();
  /** Runs in progress in this process, by lease token (what {@link releaseRunning} hands back). */
  private readonly active = new Map<string, ClaimedJob>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly ds: DataSource,
    private readonly tx: TransactionManager,
    private readonly jobs: JobsService,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    for (const w of this.discovery.getProviders()) {
      if (!w.metatype || !w.instance) continue;
      const name = Reflect.getMetadata(JOB_HANDLER_METADATA, w.metatype) as string | undefined;
      if (name) this.register(name, w.instance as JobHandler);
    }
  }

  register(name: string, handler: JobHandler): void {
    if (this.handlers.has(name)) throw new Error(`Two handlers for job ${name}`);
    this.handlers.set(name, handler);
  }

  async run(id: string): Promise<JobRunOutcome> {
    const claimed = await this.ds.query(
      `UPDATE platform.jobs SET state = 'running', attempts = attempts + 1, updated_at = now(), started_at = now(),
              lease_until = now() + ($2 || ' seconds')::interval, lease_token = gen_random_uuid()
       WHERE id = $1 AND run_at <= now() + interval '250 milliseconds'
         AND (state IN ('queued', 'retrying') OR (state = 'running' AND lease_until < now()))
       RETURNING id, name, payload, attempts, max_attempts, tenant_id, project_id, target_type, target_id, parent_id, correlation_id, traceparent, lease_token`,
      [id, String(this.settings.JOB_LEASE_SECONDS)],
    ).then((r: unknown) => rowsOf<ClaimedJob>(r));
    const job = claimed[0];
    if (!job) return 'skipped';
    return withSpan(
      `job ${job.name}`,
      () => ({
        'rcp.job.id': job.id,
        'rcp.job.name': job.name,
        'rcp.job.attempt': job.attempts,
        ...(job.parent_id ? { 'rcp.job.parent_id': job.parent_id } : {}),
        ...(job.target_id ? { 'rcp.job.target': `${job.target_type}/${job.target_id}` } : {}),
      }),
      (traced) => this.runClaimed(job, traced),
      { parent: job.traceparent, kind: SpanKind.CONSUMER },
    );
  }

  /**
   * Runs a claimed job. With tracing on, inside its span (a child of the span that enqueued it, through
   * the row's traceparent), which the job's context carries, so what it records names the span.
   */
  private async runClaimed(job: ClaimedJob, traced: TracedSpan | undefined): Promise<JobRunOutcome> {
    const info: JobInfo = {
      id: job.id,
      name: job.name,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      tenantId: job.tenant_id,
      targetType: job.target_type,
      targetId: job.target_id,
      parentId: job.parent_id,
      idempotencyKey: job.id,
    };
    const handler = this.handlers.get(job.name);
    const scope = workerScope(job.tenant_id, handler);
    const system = systemContext(`job:${job.name}`, { correlationId: job.correlation_id ?? undefined, causationId: job.id });
    const ctx = {
      ...system,
      ...(traced ? { traceparent: traced.traceparent, span: traced.span } : {}),
      actor: workerActor('job', [], job.tenant_id, job.project_id, scope),
    };
    this.active.set(job.lease_token, job);
    const stopRenewing = this.renewLease(job);
    try {
      let awaiting = false;
      await RequestContexts.run(ctx, () =>
        this.tx.run(
          async (m) => {
            if (!handler) throw new NonRetryableJobError(`no handler for job ${job.name}`);
            const result = await handler.run(job.payload, info);
            // clock_timestamp(), not now(): now() is when this transaction began, before the handler's work.
            // Awaiting an outcome: still running, but without a lease (see AwaitingOutcome).
            awaiting = result instanceof AwaitingOutcome;
            const done = rowsOf(await m.query(
              `UPDATE platform.jobs SET state = CASE WHEN $4::boolean THEN 'running' ELSE 'completed' END, result = $3::jsonb, last_error = NULL,
                      lease_until = NULL, lease_token = NULL, finished_at = CASE WHEN $4::boolean THEN NULL ELSE clock_timestamp() END, updated_at = clock_timestamp()
               WHERE id = $1 AND state = 'running' AND lease_token = $2 RETURNING id`,
              [job.id, job.lease_token, JSON.stringify((result instanceof AwaitingOutcome ? result.result : result) ?? null), awaiting],
            ));
            if (done.length === 0) throw new LeaseLostError();
          },
          scope,
        ),
      );
      this.metrics.jobRuns.inc({ name: job.name, outcome: awaiting ? 'awaiting' : 'completed' });
      traced?.span.setAttribute('rcp.job.outcome', awaiting ? 'awaiting' : 'completed');
      return 'completed';
    } catch (err) {
      const outcome = await this.fail(job, err);
      if (traced) {
        traced.span.setAttribute('rcp.job.outcome', outcome);
        if (err instanceof Error) traced.span.recordException(err);
        traced.span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err).slice(0, 300) });
      }
      return outcome;
    } finally {
      stopRenewing();
      this.active.delete(job.lease_token);
    }
  }

  /**
   * Renews the run's lease every third of `JOB_LEASE_SECONDS` while it holds it; stops once the lease
   * is no longer the run's (taken over after a freeze, or released), so a stale run never extends the
   * lease of the run that replaced it. Returns the function that stops renewing.
   */
  private renewLease(job: ClaimedJob): () => void {
    const timer = setInterval(() => {
      this.ds
        .query(
          `UPDATE platform.jobs SET lease_until = now() + ($3 || ' seconds')::interval
           WHERE id = $1 AND lease_token = $2 AND state = 'running' AND lease_until IS NOT NULL RETURNING id`,
          [job.id, job.lease_token, String(this.settings.JOB_LEASE_SECONDS)],
        )
        .then((r: unknown) => {
          if (rowsOf(r).length === 0) clearInterval(timer);
        })
        .catch(() => undefined);
    }, Math.max(500, (this.settings.JOB_LEASE_SECONDS * 1000) / 3));
    return () => clearInterval(timer);
  }

  private async fail(job: ClaimedJob, err: unknown): Promise<'retrying' | 'failed' | 'dead_letter' | 'lost'> {
    const message = String((err as Error)?.message ?? err).slice(0, 2000);
    const outcome = err instanceof NonRetryableJobError ? 'failed' : job.attempts >= job.max_attempts ? 'dead_letter' : 'retrying';
    const delay = outcome === 'retrying' ? jobBackoffMs(job.attempts, this.settings.JOB_BACKOFF_BASE_MS) : 0;
    const ended = rowsOf(await this.ds.query(
      `UPDATE platform.jobs SET state = $3, last_error = $4, lease_until = NULL, lease_token = NULL, updated_at = clock_timestamp(),
              run_at = clock_timestamp() + ($5 || ' milliseconds')::interval,
              finished_at = CASE WHEN $3 = 'retrying' THEN NULL ELSE clock_timestamp() END
       WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id`,
      [job.id, job.lease_token, outcome, message, String(delay)],
    ));
    if (ended.length === 0) {
      this.metrics.jobRuns.inc({ name: job.name, outcome: 'lost' });
      this.log.warn(`job ${job.name} ${job.id} attempt ${job.attempts} lost its lease (taken over or handed back); nothing of it committed: ${message}`);
      return 'lost';
    }
    this.metrics.jobRuns.inc({ name: job.name, outcome });
    this.log.warn(`job ${job.name} ${job.id} attempt ${job.attempts} failed (${outcome}): ${message}`);
    if (outcome === 'retrying') void this.jobs.hint(job.id, job.attempts, delay);
    return outcome;
  }

  /**
   * Hands back every job this process is still running (at shutdown, after the grace period): each is
   * set `retrying`, due now, with its attempt given back (it did not fail), and hinted under a hint id
   * of its own (the run's hint is still held by this process). Fenced by the lease token, so a run
   * that already ended is left alone; the runs themselves can no longer commit. Returns how many.
   */
  async releaseRunning(): Promise<number> {
    let released = 0;
    for (const job of [...this.active.values()]) {
      const rows = rowsOf<{ attempts: number }>(await this.ds.query(
        `UPDATE platform.jobs SET state = 'retrying', attempts = attempts - 1, lease_until = NULL, lease_token = NULL,
                run_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING attempts`,
        [job.id, job.lease_token],
      ));
      if (rows.length === 0) continue;
      released++;
      this.metrics.jobRuns.inc({ name: job.name, outcome: 'released' });
      this.log.warn(`job ${job.name} ${job.id} was still running at shutdown: handed back to run elsewhere`);
      await withTimeout(this.jobs.hint(job.id, rows[0].attempts, 0, `released-${job.lease_token}`), 2000);
    }
    return released;
  }

  /**
   * Repairs what Redis lost or holds to no effect: for every due job the ledger still holds as queued
   * or retrying (due for 2 s: its own hint had time to run it), and every running job whose lease
   * expired (its worker went silent), makes sure a hint will run it (see `JobsService.repairHint`);
   * stops at the first job Redis does not answer for. Run by the leader every `JOB_SWEEP_INTERVAL_MS`.
   */
  async sweep(limit = 500): Promise<number> {
    const due: Array<{ id: string; attempts: number }> = await this.ds.query(
      `SELECT id, attempts FROM platform.jobs
       WHERE (state IN ('queued', 'retrying') AND run_at <= now() - interval '2 seconds')
          OR (state = 'running' AND lease_until < now())
       ORDER BY run_at LIMIT $1`,
      [limit],
    );
    for (const j of due) if (!(await this.jobs.repairHint(j.id, j.attempts))) break;
    return due.length;
  }
}
