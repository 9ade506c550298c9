import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork, unchanged } from '@rcp/persistence';
import { DriftScheduleTable } from '../../drift-schedule.table';
import { DriftFindingRepository } from '../../../domain/drift.repository';
import { RecordRemediationOutcomeCommand } from './record-remediation-outcome.command';

/**
 * Moves the finding a corrective deployment serves: started, succeeded (the next reconciliation
 * confirms), rolled back by its health gate (quarantined), failed, rolled back or aborted (open again,
 * with the reason), and brings the environment's next reconciliation forward. A deployment that serves no
 * finding, or an outcome already recorded, changes nothing.
 */
@CommandHandler(RecordRemediationOutcomeCommand)
export class RecordRemediationOutcomeHandler implements ICommandHandler<RecordRemediationOutcomeCommand, { changed: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly findings: DriftFindingRepository,
    private readonly tx: TransactionManager,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: RecordRemediationOutcomeCommand): Promise<{ changed: boolean }> {
    return this.uow.run(cmd, async (note) => {
      const o = cmd.outcome;
      const f = o.kind === 'started' ? await this.findings.findById(o.findingId) : await this.findings.byDeployment(cmd.deploymentId);
      if (!f) return unchanged<{ changed: boolean }>({ changed: false });
      note.projectId = f.snapshot().projectId;
      const now = this.clock.now();
      let changed: boolean;
      switch (o.kind) {
        case 'started':
          changed = f.remediationStarted(cmd.deploymentId, now);
          break;
        case 'succeeded':
          changed = f.remediationSucceeded(cmd.deploymentId, now);
          break;
        case 'gate-rollback': {
          const s = f.snapshot();
          const image = typeof s.desired === 'string' && ['image-mismatch', 'missing-service'].includes(s.kind) ? s.desired : `revision ${o.revision} of ${s.service}`;
          changed = f.lastAttempt?.deploymentId === cmd.deploymentId && f.quarantine({ image, deploymentId: cmd.deploymentId, reason: o.reason }, now);
          break;
        }
        default:
          changed = f.remediationFailed(cmd.deploymentId, o.kind, o.reason, now);
      }
      if (!changed) return unchanged<{ changed: boolean }>({ changed: false });
      await this.findings.save(f);
      // The finding is judged again soon: resolved once what runs matches, or remediated again (within the loop guard).
      if (o.kind !== 'started') await DriftScheduleTable.soon(this.tx.manager(), f.snapshot().environmentId, this.settings.DRIFT_DEBOUNCE_SECONDS);
      return { changed: true };
    });
  }
}
