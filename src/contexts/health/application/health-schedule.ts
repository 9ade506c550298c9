import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { HealthCheckResultRepository } from '../domain/health.repository';
import { ExpireStaleHealthCommand } from './commands/expire-stale-health/expire-stale-health.command';
import { HEALTH_JOBS } from './health-jobs';
import { HealthDirectory } from './read-models/health-read-models';

const PAGE = 500;

/**
 * The health context's periodic work on the worker leader: a pull of every ready environment's checks
 * and metrics every HEALTH_PULL_INTERVAL_SECONDS (one recurring job per environment), and turning
 * results without a check for HEALTH_STALE_SECONDS `unknown` (a third of that window apart).
 */
@Injectable()
export class HealthSchedule implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly directory: HealthDirectory,
    private readonly results: HealthCheckResultRepository,
    private readonly commands: CommandBus,
    private readonly periodic: PeriodicTasks,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.periodic.register({ name: HEALTH_JOBS.pullDataPlane, intervalMs: () => this.settings.HEALTH_PULL_INTERVAL_SECONDS * 1000, run: async () => void (await this.pullAll()) });
    this.periodic.register({ name: HEALTH_JOBS.expireStale, intervalMs: () => Math.max(1000, Math.floor((this.settings.HEALTH_STALE_SECONDS * 1000) / 3)), run: async () => void (await this.expireStale()) });
  }

  /** Queues a pull of every ready environment. Returns how many. */
  pullAll(): Promise<number> {
    return RequestContexts.run(systemContext('health-puller'), async () => {
      let after: string | undefined;
      let n = 0;
      for (;;) {
        const page = await this.tx.read(() => this.directory.ready(PAGE, after));
        for (const env of page) {
          await this.jobs.enqueueRecurring({ name: HEALTH_JOBS.pullDataPlane, targetType: 'environment', targetId: env.environmentId }, { environmentId: env.environmentId }, { tenantId: env.tenantId, projectId: env.projectId, maxAttempts: 3 });
        }
        n += page.length;
        if (page.length < PAGE) return n;
        after = page[page.length - 1].environmentId;
      }
    });
  }

  /** Turns every result without a check for HEALTH_STALE_SECONDS `unknown`, one command each. Returns how many. */
  expireStale(): Promise<number> {
    return RequestContexts.run(systemContext('health-staleness'), async () => {
      const before = new Date(Date.now() - this.settings.HEALTH_STALE_SECONDS * 1000);
      const stale = await this.tx.read(() => this.results.stale(before, PAGE));
      let n = 0;
      for (const r of stale) {
        const { expired } = await this.commands.execute(new ExpireStaleHealthCommand(r.environmentId, r.service, r.revision));
        if (expired) n++;
      }
      return n;
    });
  }
}
