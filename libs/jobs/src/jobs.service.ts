import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts, causingTraceparent } from '@rcp/observability';
import { TransactionManager, rowsOf } from '@rcp/persistence';
import { throttledRedisErrorLog } from './redis-error-log';
import { withTimeout } from './with-timeout';

export const JOBS_QUEUE = 'rcp-jobs';
/** Seed of the advisory-lock keys `enqueueRecurring` takes (one per job name and target). */
const JOB_DEDUPE_LOCK_SEED = 7263200;

export interface EnqueueOptions {
  tenantId?: string | null;
  /** The project the work concerns: a token limited to `project_ids` sees only its projects' jobs. */
  projectId?: string | null;
  targetType?: string;
  targetId?: string;
  delayMs?: number;
  maxAttempts?: number;
  /**
   * The job this one is an internal step of: steps are not listed to tenants (the job they belong to
   * stands for them) and `settle` of that job ends those still waiting.
   */
  parentId?: string | null;
}

/** Which job: its name and what it works on (the job ledger's `target_type`, `target_id`). */
export interface JobRef {
  name: string;
  targetType: string;
  targetId: string;
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'retrying' | 'dead_letter';

/**
 * Enqueues background work. Postgres is the record: the job is a row of `platform.jobs` written in the
 * caller's transaction; the BullMQ job added after commit is only a hint to run it now. If Redis is down
 * or restarts empty, the command still succeeds and the leader's sweeper adds the hint again.
 *
 * The row keeps the enqueuer's correlation id and W3C `traceparent` (with tracing on, the span of the
 * command that enqueued it), so the run, in whichever worker process, continues that trace.
 */
@Injectable()
export class JobsService {
  private readonly log = new Logger('JobsService');

  constructor(
    private readonly tx: TransactionManager,
    @InjectQueue(JOBS_QUEUE) private readonly queue: Queue,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    this.queue.on('error', throttledRedisErrorLog(this.log, 'job queue'));
  }

  async enqueue(name: string, payload: object, opts: EnqueueOptions = {}): Promise<string> {
    const id = randomUUID();
    const ctx = RequestContexts.current();
    const delayMs = Math.max(0, opts.delayMs ?? 0);
    await this.tx.run(async (m) => {
      await m.query(
        `INSERT INTO platform.jobs (id, tenant_id, name, payload, state, max_attempts, target_type, target_id, run_at, correlation_id, project_id, parent_id, traceparent)
         VALUES ($1, $2, $3, $4::jsonb, 'queued', $5, $6, $7, clock_timestamp() + ($8 || ' milliseconds')::interval, $9, $10, $11, $12)`,
        [
          id,
          opts.tenantId !== undefined ? opts.tenantId : (ctx?.actor?.tenantId ?? null),
          name,
          JSON.stringify(payload),
          opts.maxAttempts ?? this.settings.JOB_MAX_ATTEMPTS,
          opts.targetType ?? null,
          opts.targetId ?? null,
          String(delayMs),
          ctx?.correlationId ?? null,
          opts.projectId ?? null,
          opts.parentId ?? null,
          causingTraceparent(),
        ],
      );
      this.tx.afterCommit(() => void this.hint(id, 0, delayMs));
    });
    return id;
  }

  /**
   * Recurring work on one target (e.g. reading what runs in an environment every 30 s) that must never
   * run twice at once and must not grow the ledger by a row per run: one row per name and target. If
   * that job is open (queued, running, retrying), it will do the work and nothing is added; if it has
   * finished, the same row is queued again (its attempts, result and error reset); otherwise a new job
   * is enqueued. Serialized per name and target with a transaction-level advisory lock, so two callers
   * at once queue it once. Returns the job and whether it was queued by this call.
   */
  async enqueueRecurring(ref: JobRef, payload: object, opts: Omit<EnqueueOptions, 'targetType' | 'targetId' | 'parentId'> = {}): Promise<{ jobId: string; queued: boolean }> {
    return this.tx.run(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, ${JOB_DEDUPE_LOCK_SEED}))`, [JSON.stringify([ref.name, ref.targetType, ref.targetId])]);
      const [latest]: Array<{ id: string; state: JobState }> = await m.query(
        `SELECT id, state FROM platform.jobs WHERE target_type = $1 AND target_id = $2 AND name = $3 AND parent_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
        [ref.targetType, ref.targetId, ref.name],
      );
      if (latest && ['queued', 'running', 'retrying'].includes(latest.state)) return { jobId: latest.id, queued: false };
      if (!latest) return { jobId: await this.enqueue(ref.name, payload, { ...opts, targetType: ref.targetType, targetId: ref.targetId }), queued: true };
      const delayMs = Math.max(0, opts.delayMs ?? 0);
      await m.query(
        `UPDATE platform.jobs SET state = 'queued', payload = $2::jsonb, attempts = 0, last_error = NULL, result = NULL, run_at = clock_timestamp() + ($3 || ' milliseconds')::interval,
           started_at = NULL, finished_at = NULL, lease_until = NULL, correlation_id = $4, traceparent = $5, updated_at = now()
         WHERE id = $1`,
        [latest.id, JSON.stringify(payload), String(delayMs), RequestContexts.current()?.correlationId ?? null, causingTraceparent()],
      );
      this.tx.afterCommit(() => void this.hint(latest.id, 0, delayMs));
      return { jobId: latest.id, queued: true };
    });
  }

  /**
   * The newest job of its own (not a step of another) with this name and target that has not ended
   * yet (queued, running, awaiting its outcome or retrying), or null.
   */
  async openJobId(ref: JobRef): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.tx.run((m) =>
      m.query(
        `SELECT id FROM platform.jobs
         WHERE target_type = $1 AND target_id = $2 AND name = $3 AND parent_id IS NULL AND state IN ('queued', 'running', 'retrying')
         ORDER BY created_at DESC, id DESC LIMIT 1`,
        [ref.targetType, ref.targetId, ref.name],
      ),
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Ends a job with the outcome of the work it stands for, in the caller's transaction: one that awaits
   * its outcome (`AwaitingOutcome`) or has not started yet; one a worker is running right now is left
   * to it. Its steps still waiting to run (a timer, a retry) are completed as superseded, so nothing
   * of the finished work lingers in the ledger. Returns false when the job was not open.
   */
  async settle(id: string, outcome: { state: 'completed' | 'failed'; result?: unknown; error?: string | null }): Promise<boolean> {
    return this.tx.run(async (m) => {
      const ended: unknown[] = await m.query(
        `UPDATE platform.jobs SET state = $2, result = $3::jsonb, last_error = $4, lease_until = NULL, finished_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = $1 AND (state IN ('queued', 'retrying') OR (state = 'running' AND lease_until IS NULL)) RETURNING id`,
        [id, outcome.state, JSON.stringify(outcome.result ?? null), outcome.state === 'failed' ? (outcome.error ?? null) : null],
      );
      await m.query(
        `UPDATE platform.jobs SET state = 'completed', result = $2::jsonb, finished_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE parent_id = $1 AND state IN ('queued', 'retrying')`,
        [id, JSON.stringify({ superseded: `job ${id} ended ${outcome.state}` })],
      );
      return rowsOf(ended).length === 1;
    });
  }

  /**
   * Adds the BullMQ hint; never waits on Redis and never fails the caller. The hint id is the job's id
   * and attempt count, so the paths that hint one attempt (after commit, after a failure, the sweeper)
   * add it once; `tag` makes a hint of its own (see {@link repairHint}, `JobRunner.releaseRunning`).
   * The returned promise never rejects; callers need not wait for it.
   */
  hint(id: string, attempt: number, delayMs = 0, tag?: string): Promise<void> {
    return this.queue
      .add('run', { jobId: id }, { jobId: hintId(id, attempt, tag), delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .then(
        () => undefined,
        (err: Error) => this.log.warn(`could not enqueue job ${id} in Redis (the sweeper will retry): ${err.message}`),
      );
  }

  /**
   * Makes sure a job the ledger holds as due gets run (the sweeper calls it). Adding a hint under an id
   * that BullMQ still holds is a no-op, whatever state that hint is in: a hint that a process took
   * (`active`) and will never run (it was stopped, or is shutting down) blocks its id until BullMQ's
   * lock on it expires (30 s) and its stalled-job check puts it back (every 30 s), so the same-id hint
   * the sweeper re-added stranded such jobs for a minute and a half. So: no hint, add it; a hint waiting
   * or delayed, it will run; a hint taken although the job is still due, it is stuck: try the next
   * rescue id (`…-r1`, `…-r2`) the same way. A stuck hint that runs later finds the job done and skips.
   * Waits at most a second on Redis; returns false when Redis did not answer (the sweep stops there and
   * the next one tries again).
   */
  async repairHint(id: string, attempt: number): Promise<boolean> {
    for (let rescue = 0; rescue <= MAX_RESCUE_HINTS; rescue++) {
      const tag = rescue === 0 ? undefined : `r${rescue}`;
      const state = await withTimeout(this.queue.getJobState(hintId(id, attempt, tag)), 1000);
      if (state === undefined) return false;
      if (state === 'unknown' || state === 'completed' || state === 'failed') {
        void this.hint(id, attempt, 0, tag);
        return true;
      }
      if (state !== 'active') return true;
    }
    this.log.warn(`job ${id}: its hints are all held by processes that do not run them; it waits for BullMQ's stalled-job check`);
    return true;
  }
}

/** Rescue hints tried per job when its hints are stuck (one is normally enough). */
const MAX_RESCUE_HINTS = 3;

const hintId = (id: string, attempt: number, tag?: string) => (tag ? `${id}-${attempt}-${tag}` : `${id}-${attempt}`);

