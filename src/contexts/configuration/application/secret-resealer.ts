import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { SecretBindingRepository } from '../domain/configuration.repository';
import { CONFIGURATION_JOBS } from './configuration-jobs';
import { SecretSealer } from './ports/secret-sealer.port';

const PAGE = 500;

/**
 * Master key rotation: once SECRETS_MASTER_KEY names a new key (the old one moved to
 * SECRETS_MASTER_KEYS_RETIRED), every inline value still sealed under another key is sealed again under
 * the new one, one job per binding in its tenant's scope (a periodic task of the worker leader, every
 * SECRETS_RESEAL_INTERVAL_SECONDS). When none is left, the retired key can be dropped.
 */
@Injectable()
export class SecretResealer implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly bindings: SecretBindingRepository,
    private readonly sealer: SecretSealer,
    private readonly periodic: PeriodicTasks,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.periodic.register({
      name: CONFIGURATION_JOBS.resealSecretBinding,
      intervalMs: () => (this.sealer.enabled() ? this.settings.SECRETS_RESEAL_INTERVAL_SECONDS * 1000 : 0),
      run: async () => void (await this.resealAll()),
    });
  }

  /** Enqueues a re-seal of every live inline binding sealed under another key than the current one (system work across tenants). */
  resealAll(): Promise<number> {
    return RequestContexts.run(systemContext('secret-resealer'), async () => {
      const current = this.sealer.currentKeyId();
      const stale = await this.tx.read(() => this.bindings.sealedUnder(current, PAGE));
      for (const b of stale) {
        await this.jobs.enqueueRecurring(
          { name: CONFIGURATION_JOBS.resealSecretBinding, targetType: 'secret-binding', targetId: b.id },
          { bindingId: b.id },
          { tenantId: b.tenantId, maxAttempts: 3 },
        );
      }
      return stale.length;
    });
  }
}
