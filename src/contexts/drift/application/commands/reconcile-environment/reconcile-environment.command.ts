import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { ReconcileTrigger } from '../../../domain/environment-drift.aggregate';
import { ReconciliationResult } from '../../drift.views';

/**
 * Reconciles one environment against its newest desired state: findings detected, seen again, resolved,
 * quarantined, and auto-remediated within the policy. `since`: when the schedule claimed it (a change
 * that arrives later is kept for the next run).
 */
@AuditedCommand<ReconcileEnvironmentCommand, ReconciliationResult>({
  action: 'drift.reconcile',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  details: (c) => ({ trigger: c.trigger }),
})
export class ReconcileEnvironmentCommand extends Command<ReconciliationResult> {
  constructor(
    readonly environmentId: string,
    readonly trigger: ReconcileTrigger,
    readonly since?: Date,
  ) {
    super();
  }
}
