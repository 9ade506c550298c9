import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { throttledRedisErrorLog } from './redis-error-log';

export const JOBS_QUEUE = 'rcp-jobs';

export interface EnqueueOptions {
  tenantId?: string | null;
  /** The project the work concerns: a token limited to `project_ids` sees only its projects' jobs. */
  projectId?: string | null;
  targetType?: string;
  targetId?: string;
  delayMs?: number;
  maxAttempts?: number;
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'retrying' | 'dead_letter';

/**
 * Enqueues background work. Postgres is the record: the job is a row of `platform.jobs` written in the
 * caller's transaction; the BullMQ job added after commit is only a hint to run it now. If Redis is down
 * or restarts empty, the command still succeeds and the leader's sweeper adds the hint again.
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
        `INSERT INTO platform.jobs (id, tenant_id, name, payload, state, max_attempts, target_type, target_id, run_at, correlation_id, project_id)
         VALUES ($1, $2, $3, $4::jsonb, 'queued', $5, $6, $7, clock_timestamp() + ($8 || ' milliseconds')::interval, $9, $10)`,
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
        ],
      );
      this.tx.afterCommit(() => this.hint(id, 0, delayMs));
    });
    return id;
  }

  /** Adds the BullMQ hint; never waits on Redis and never fails the caller. */
  hint(id: string, attempt: number, delayMs = 0): void {
    this.queue
      .add('run', { jobId: id }, { jobId: `${id}-${attempt}`, delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .catch((err: Error) => this.log.warn(`could not enqueue job ${id} in Redis (the sweeper will retry): ${err.message}`));
  }
}
