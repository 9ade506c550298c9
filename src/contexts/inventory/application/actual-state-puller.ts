import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../domain/inventory.repository';
import { INVENTORY_JOBS } from './inventory-jobs';

const PAGE = 500;

/**
 * Schedules pulls of what runs (`inventory.pull-actual-state`: one recurring job per environment, so it
 * never runs twice at once for one environment and the ledger keeps one row per environment): for every ready environment every `ACTUAL_STATE_PULL_INTERVAL_SECONDS`
 * (a periodic task of the worker leader), and for one environment right after an operation on it
 * completed (`pullSoon`).
 */
@Injectable()
export class ActualStatePuller implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly periodic: PeriodicTasks,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.periodic.register({ name: INVENTORY_JOBS.pullActualState, intervalMs: () => this.settings.ACTUAL_STATE_PULL_INTERVAL_SECONDS * 1000, run: async () => void (await this.pullAll()) });
  }

  /** Whether inventory pulls at all (`ACTUAL_STATE_PULL_INTERVAL_SECONDS` > 0); otherwise what runs comes from agents only. */
  get enabled(): boolean {
    return this.settings.ACTUAL_STATE_PULL_INTERVAL_SECONDS > 0;
  }

  /** Queues the pull of one environment unless it is queued or running already; returns its job. */
  async pullSoon(env: { id: string; tenantId: string; projectId: string }): Promise<string> {
    const { jobId } = await this.jobs.enqueueRecurring(
      { name: INVENTORY_JOBS.pullActualState, targetType: 'environment', targetId: env.id },
      { environmentId: env.id },
      { tenantId: env.tenantId, projectId: env.projectId, maxAttempts: 3 },
    );
    return jobId;
  }

  /** Enqueues a pull of every ready environment (system work across tenants, page by page). Returns how many were asked for. */
  pullAll(): Promise<number> {
    return RequestContexts.run(systemContext('actual-state-puller'), async () => {
      let after: string | undefined;
      let n = 0;
      for (;;) {
        const page = await this.tx.read(() => this.environments.running(PAGE, after));
        for (const env of page) await this.pullSoon(env);
        n += page.length;
        if (page.length < PAGE) return n;
        after = page[page.length - 1].id;
      }
    });
  }
}
