import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { HandlesJob, JobHandler, commandJob } from '@rcp/jobs';
import { PlatformScope, TransactionManager } from '@rcp/persistence';
import { ReconcileEnvironmentCommand } from '../commands/reconcile-environment/reconcile-environment.command';
import { DRIFT_JOBS, ReconcileBatchPayload, ReconcileJobPayload } from '../drift-jobs';
import { DriftScheduleTable } from '../drift-schedule.table';

/** `POST …/reconcile`: one environment, in its tenant's scope. */
export const ReconcileEnvironmentJob = commandJob(DRIFT_JOBS.reconcile, 'ReconcileEnvironmentJob', (p: ReconcileJobPayload) => new ReconcileEnvironmentCommand(p.environmentId, 'on-demand'));

/**
 * A batch of due environments the schedule claimed, reconciled one after the other in one transaction,
 * each in a savepoint: one that fails is rolled back alone, its error kept on its schedule row, and it
 * comes round again at its next time. A change that brought it forward is reconciled as `change`.
 */
@Injectable()
@HandlesJob(DRIFT_JOBS.reconcileBatch)
@PlatformScope('reconciles a batch of due environments of several tenants that the schedule claimed (each reconciliation names its own tenant and environment)')
export class ReconcileBatchJob implements JobHandler<ReconcileBatchPayload> {
  private readonly log = new Logger('ReconcileBatchJob');

  constructor(
    private readonly commands: CommandBus,
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  async run(p: ReconcileBatchPayload): Promise<{ reconciled: number; failed: number }> {
    const since = new Date(p.claimedAt);
    const changed: Array<{ environment_id: string }> = await this.tx
      .manager()
      .query(`SELECT environment_id FROM drift.schedule WHERE environment_id = ANY($1::uuid[]) AND change_requested_at IS NOT NULL AND change_requested_at <= $2`, [p.environmentIds, since]);
    const byChange = new Set(changed.map((r) => r.environment_id));
    let failed = 0;
    for (const [i, id] of p.environmentIds.entries()) {
      try {
        await this.tx.savepoint(`reconcile_${i}`, () => this.commands.execute(new ReconcileEnvironmentCommand(id, byChange.has(id) ? 'change' : 'scheduled', since)));
      } catch (err) {
        failed++;
        const message = (err as Error).message;
        this.log.warn(`reconciliation of environment ${id} failed: ${message}`);
        await DriftScheduleTable.done(this.tx.manager(), id, since, this.settings.DRIFT_RECONCILE_INTERVAL_SECONDS, message.slice(0, 500));
      }
    }
    return { reconciled: p.environmentIds.length - failed, failed };
  }
}
