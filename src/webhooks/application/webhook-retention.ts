import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager, rowsOf } from '@rcp/persistence';

const PLATFORM = { tenantId: null, platform: true } as const;
/** Batches one run may take; whatever is left waits for the next run. */
const MAX_BATCHES = 200;

/**
 * Prunes webhook deliveries (their attempts with them) as the retention settings say for jobs: delivered
 * ones delivered more than RETENTION_JOBS_DAYS ago, dead-lettered ones more than
 * RETENTION_DEAD_LETTER_DAYS ago (0 keeps them). On the worker leader every RETENTION_INTERVAL_SECONDS,
 * in batches of RETENTION_BATCH_SIZE, each a transaction of its own.
 */
@Injectable()
export class WebhookRetention implements OnModuleInit {
  constructor(
    private readonly tx: TransactionManager,
    private readonly periodic: PeriodicTasks,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.periodic.register({ name: 'webhooks.prune-deliveries', intervalMs: () => this.settings.RETENTION_INTERVAL_SECONDS * 1000, run: async () => void (await this.prune()) });
  }

  /** Returns how many deliveries were deleted. */
  prune(): Promise<number> {
    return RequestContexts.run(systemContext('webhook-retention'), async () => {
      let deleted = 0;
      const rules: Array<[string, number]> = [
        [`state = 'delivered' AND delivered_at < clock_timestamp() - make_interval(days => $2)`, this.settings.RETENTION_JOBS_DAYS],
        [`state = 'dead_letter' AND updated_at < clock_timestamp() - make_interval(days => $2)`, this.settings.RETENTION_DEAD_LETTER_DAYS],
      ];
      for (const [where, days] of rules) {
        if (days <= 0) continue;
        for (let batch = 0; batch < MAX_BATCHES; batch++) {
          const n = await this.tx.run(async (m) => {
            const result: unknown = await m.query(`DELETE FROM webhooks.deliveries WHERE id IN (SELECT id FROM webhooks.deliveries WHERE ${where} LIMIT $1) RETURNING 1`, [this.settings.RETENTION_BATCH_SIZE, days]);
            return rowsOf(result).length;
          }, PLATFORM);
          deleted += n;
          if (n < this.settings.RETENTION_BATCH_SIZE) break;
        }
      }
      return deleted;
    });
  }
}
