import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRunner } from './job-runner';
import { JOBS_QUEUE } from './jobs.service';
import { throttledRedisErrorLog } from './redis-error-log';

/**
 * The BullMQ worker (worker role only): every message is a hint naming a ledger job to run.
 *
 * Shutdown does not depend on Redis: it stops taking hints, waits (up to `JOB_SHUTDOWN_GRACE_MS`) for
 * the ledger runs in progress, closes the BullMQ worker without waiting on Redis, then hands back the
 * jobs still running (`JobRunner.releaseRunning`: due again at once, the attempt not counted, hinted
 * anew) so another process runs them now instead of when their lease expires. (BullMQ's graceful
 * close waits for its fetch loop, which never ends while Redis is unreachable, so a worker could not be
 * stopped then.) A hint taken during shutdown is acknowledged without running; the job is still
 * `queued` in the ledger and the sweeper hints it again.
 */
@Processor(JOBS_QUEUE)
export class JobsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('JobsProcessor');
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;
  private readonly logRedisError = throttledRedisErrorLog(this.log, 'job worker');

  constructor(
    private readonly runner: JobRunner,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.settings.JOB_CONCURRENCY;
  }

  /** Attached as soon as the worker exists (before it first connects). */
  @OnWorkerEvent('error')
  onWorkerError(err: Error): void {
    this.logRedisError(err);
  }

  async process(job: Job<{ jobId: string }>): Promise<string> {
    if (this.closing) return 'skipped';
    const run = this.runner.run(job.data.jobId);
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.JOB_SHUTDOWN_GRACE_MS))),
    ]);
    clearTimeout(timer);
    // Closed first, so that this worker cannot take the hints of the jobs it hands back.
    await this.worker.close(true).catch(() => undefined);
    await this.runner.releaseRunning().catch((err: Error) => this.log.warn(`could not hand back the jobs still running: ${err.message}`));
  }
}
