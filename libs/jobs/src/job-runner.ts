import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService, RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager, rowsOf } from '@rcp/persistence';
import { AwaitingOutcome, JOB_HANDLER_METADATA, JobHandler, JobInfo, NonRetryableJobError, jobBackoffMs } from './job-handler';
import { JobsService } from './jobs.service';

interface ClaimedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  tenant_id: string | null;
  target_type: string | null;
  target_id: string | null;
  parent_id: string | null;
  correlation_id: string | null;
}

/**
 * Runs one job from the ledger, whatever told it to (a BullMQ hint, a duplicate hint, the sweeper).
 * Claiming is a conditional UPDATE (`queued|retrying`, or `running` with an expired lease), so a job runs
 * in one place at a time; its effect and its `completed` mark commit in one transaction, so a job that
 * is run twice has its effect once. Failures are retried with backoff until `max_attempts`, then
 * `dead_letter`; a `NonRetryableJobError` ends it `failed` at once. A handler that returns
 * `AwaitingOutcome` leaves its job `running` without a lease until `JobsService.settle` ends it.
 */
@Injectable()
export class JobRunner implements OnModuleInit {
  private readonly log = new Logger('JobRunner');
  private readonly handlers = new Map<string, JobHandler>();

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

  async run(id: string): Promise<'completed' | 'retrying' | 'failed' | 'dead_letter' | 'skipped'> {
    const claimed = await this.ds.query(
      `UPDATE platform.jobs SET state = 'running', attempts = attempts + 1, updated_at = now(),
              started_at = now(), lease_until = now() + ($2 || ' seconds')::interval
       WHERE id = $1 AND run_at <= now() + interval '250 milliseconds'
         AND (state IN ('queued', 'retrying') OR (state = 'running' AND lease_until < now()))
       RETURNING id, name, payload, attempts, max_attempts, tenant_id, target_type, target_id, parent_id, correlation_id`,
      [id, String(this.settings.JOB_LEASE_SECONDS)],
    ).then((r: unknown) => rowsOf<ClaimedJob>(r));
    const job = claimed[0];
    if (!job) return 'skipped';
    const info: JobInfo = {
      id: job.id,
      name: job.name,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      tenantId: job.tenant_id,
      targetType: job.target_type,
      targetId: job.target_id,
      parentId: job.parent_id,
    };
    const ctx = systemContext(`job:${job.name}`, {
      correlationId: job.correlation_id ?? undefined,
      causationId: job.id,
      actor: { sub: 'job', kind: 'system', tenantId: job.tenant_id, roles: [] },
    });
    const heartbeat = setInterval(() => {
      this.ds
        .query(`UPDATE platform.jobs SET lease_until = now() + ($2 || ' seconds')::interval WHERE id = $1 AND state = 'running' AND lease_until IS NOT NULL`, [
          job.id,
          String(this.settings.JOB_LEASE_SECONDS),
        ])
        .catch(() => undefined);
    }, Math.max(1000, (this.settings.JOB_LEASE_SECONDS * 1000) / 3));
    try {
      let awaiting = false;
      await RequestContexts.run(ctx, () =>
        this.tx.run(
          async (m) => {
            const handler = this.handlers.get(job.name);
            if (!handler) throw new NonRetryableJobError(`no handler for job ${job.name}`);
            const result = await handler.run(job.payload, info);
            // clock_timestamp(), not now(): now() is when this transaction began, before the handler's work.
            // Awaiting an outcome: still running, but without a lease (see AwaitingOutcome).
            awaiting = result instanceof AwaitingOutcome;
            const done = rowsOf(await m.query(
              `UPDATE platform.jobs SET state = CASE WHEN $4::boolean THEN 'running' ELSE 'completed' END, result = $3::jsonb, last_error = NULL,
                      lease_until = NULL, finished_at = CASE WHEN $4::boolean THEN NULL ELSE clock_timestamp() END, updated_at = clock_timestamp()
               WHERE id = $1 AND state = 'running' AND attempts = $2 RETURNING id`,
              [job.id, job.attempts, JSON.stringify((result instanceof AwaitingOutcome ? result.result : result) ?? null), awaiting],
            ));
            if (done.length === 0) throw new Error('lease lost: another worker took the job over');
          },
          { tenantId: job.tenant_id, platform: true },
        ),
      );
      this.metrics.jobRuns.inc({ name: job.name, outcome: awaiting ? 'awaiting' : 'completed' });
      return 'completed';
    } catch (err) {
      return this.fail(job, err);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(job: ClaimedJob, err: unknown): Promise<'retrying' | 'failed' | 'dead_letter'> {
    const message = String((err as Error)?.message ?? err).slice(0, 2000);
    const outcome = err instanceof NonRetryableJobError ? 'failed' : job.attempts >= job.max_attempts ? 'dead_letter' : 'retrying';
    const delay = outcome === 'retrying' ? jobBackoffMs(job.attempts, this.settings.JOB_BACKOFF_BASE_MS) : 0;
    await this.ds.query(
      `UPDATE platform.jobs SET state = $3, last_error = $4, lease_until = NULL, updated_at = clock_timestamp(),
              run_at = clock_timestamp() + ($5 || ' milliseconds')::interval,
              finished_at = CASE WHEN $3 = 'retrying' THEN NULL ELSE clock_timestamp() END
       WHERE id = $1 AND attempts = $2 AND state = 'running'`,
      [job.id, job.attempts, outcome, message, String(delay)],
    );
    this.metrics.jobRuns.inc({ name: job.name, outcome });
    this.log.warn(`job ${job.name} ${job.id} attempt ${job.attempts} failed (${outcome}): ${message}`);
    if (outcome === 'retrying') this.jobs.hint(job.id, job.attempts, delay);
    return outcome;
  }

  /**
   * Repairs what Redis lost: adds the hint again for every due job the ledger still holds as queued or
   * retrying, and for running jobs whose worker went silent (expired lease). Run by the leader.
   */
  async sweep(limit = 500): Promise<number> {
    const due: Array<{ id: string; attempts: number }> = await this.ds.query(
      `SELECT id, attempts FROM platform.jobs
       WHERE (state IN ('queued', 'retrying') AND run_at <= now() - interval '2 seconds')
          OR (state = 'running' AND lease_until < now())
       ORDER BY run_at LIMIT $1`,
      [limit],
    );
    for (const j of due) this.jobs.hint(j.id, j.attempts);
    return due.length;
  }
}
