import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRunner } from './job-runner';
import { JobsController } from './jobs.controller';
import { JobsProcessor } from './jobs.processor';
import { JOBS_QUEUE, JobsService } from './jobs.service';
import { bullConnection } from './redis-options';
import { PeriodicTasks } from './periodic-tasks';
import { RedisProbe } from './redis-probe';

/**
 * Background jobs: the `platform.jobs` ledger (the record), BullMQ (the hint to run now) and the
 * `/v1/jobs` endpoints. The BullMQ worker exists only in processes that run the worker role.
 */
@Global()
@Module({})
export class JobsModule {
  static forRoot(opts: { worker: boolean; http: boolean }): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [SETTINGS_TOKEN],
          useFactory: (s: Settings) => ({ connection: bullConnection(s.REDIS_URL), prefix: s.REDIS_PREFIX }),
        }),
        BullModule.registerQueue({ name: JOBS_QUEUE }),
      ],
      controllers: opts.http ? [JobsController] : [],
      providers: [JobsService, JobRunner, RedisProbe, PeriodicTasks, ...(opts.worker ? [JobsProcessor] : [])],
      exports: [JobsService, JobRunner, RedisProbe, PeriodicTasks],
    };
  }
}
