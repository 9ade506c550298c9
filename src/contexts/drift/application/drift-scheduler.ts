import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, PeriodicTasks } from '@rcp/jobs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { DRIFT_JOBS, ReconcileBatchPayload } from './drift-jobs';
import { DriftScheduleTable } from './drift-schedule.table';

/** How long a claimed batch is held before another claim may take it (a worker that died mid-batch). */
const CLAIM_LEASE_SECONDS = 120;
/** Most batches one round hands out; the next round, a tick later, carries on. */
const MAX_BATCHES_PER_ROUND = 500;

/**
 * The scheduled (and debounced, event-driven) reconciliation: on the worker leader, every tick, due
 * environments (their interval elapsed with jitter, or a change brought them forward) are claimed for a
 * lease and handed out as `drift.reconcile-batch` jobs of DRIFT_RECONCILE_BATCH, which any worker runs.
 * A claim and its job commit together; the per-environment lock in the reconciliation keeps it from
 * overlapping an on-demand run. The jobs ledger (Postgres) is the record and BullMQ the hint, as for
 * every job here.
 */
@Injectable()
export class DriftScheduler implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly periodic: PeriodicTasks,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    // A tick short enough for the debounce; the intervals themselves are in the schedule rows.
    this.periodic.register({ name: DRIFT_JOBS.schedule, intervalMs: () => Math.max(500, Math.min(2_000, this.settings.DRIFT_DEBOUNCE_SECONDS * 1000)), run: async () => void (await this.handOut()) });
  }

  /** Claims every due environment into batch jobs. Returns how many environments. */
  handOut(): Promise<number> {
    return RequestContexts.run(systemContext('drift-schedule'), async () => {
      let n = 0;
      for (let round = 0; round < MAX_BATCHES_PER_ROUND; round++) {
        const claimed = await this.tx.run(async (db) => {
          const claimedAt = new Date().toISOString();
          const due = await DriftScheduleTable.claimDue(db, this.settings.DRIFT_RECONCILE_BATCH, CLAIM_LEASE_SECONDS);
          if (due.length === 0) return 0;
          const payload: ReconcileBatchPayload = { environmentIds: due.map((d) => d.environmentId), claimedAt };
          await this.jobs.enqueue(DRIFT_JOBS.reconcileBatch, payload, { tenantId: null, targetType: 'drift-schedule', targetId: 'batch', maxAttempts: 3 });
          return due.length;
        }, { tenantId: null, platform: true });
        n += claimed;
        if (claimed < this.settings.DRIFT_RECONCILE_BATCH) return n;
      }
      return n;
    });
  }
}
