import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRunner } from './job-runner';
import { JOBS_QUEUE } from './jobs.service';

/** The BullMQ worker (worker role only): every message is a hint naming a ledger job to run. */
@Processor(JOBS_QUEUE)
export class JobsProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly runner: JobRunner,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.settings.JOB_CONCURRENCY;
  }

  async process(job: Job<{ jobId: string }>): Promise<string> {
    return this.runner.run(job.data.jobId);
  }
}
