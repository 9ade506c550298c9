import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { SecretBindingRepository } from '../domain/configuration.repository';
import { CONFIGURATION_JOBS } from './configuration-jobs';

const PAGE = 500;

/**
 * Keeps every binding's `status` current without anyone asking: every SECRETS_RECHECK_INTERVAL_SECONDS
 * the worker leader enqueues one `configuration.check-secret-bindings` job per environment with live
 * bindings (recurring: never two at once for one environment), which checks each of them as the
 * pre-flight endpoint does. A vault that went away, or came back, shows as a change of status and an
 * event, which deployments act on.
 */
@Injectable()
export class SecretBindingChecker implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly bindings: SecretBindingRepository,
    private readonly periodic: PeriodicTasks,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.periodic.register({
      name: CONFIGURATION_JOBS.checkSecretBindings,
      intervalMs: () => this.settings.SECRETS_RECHECK_INTERVAL_SECONDS * 1000,
      run: async () => void (await this.checkAll()),
    });
  }

  /** Enqueues a check of every environment with live bindings (system work across tenants, page by page). Returns how many. */
  checkAll(): Promise<number> {
    return RequestContexts.run(systemContext('secret-binding-checker'), async () => {
      let after: string | undefined;
      let n = 0;
      for (;;) {
        const page = await this.tx.read(() => this.bindings.environmentsWithBindings(PAGE, after));
        for (const env of page) {
          await this.jobs.enqueueRecurring(
            { name: CONFIGURATION_JOBS.checkSecretBindings, targetType: 'environment', targetId: env.environmentId },
            { environmentId: env.environmentId },
            { tenantId: env.tenantId, projectId: env.projectId, maxAttempts: 3 },
          );
        }
        n += page.length;
        if (page.length < PAGE) return n;
        after = page[page.length - 1].environmentId;
      }
    });
  }
}
