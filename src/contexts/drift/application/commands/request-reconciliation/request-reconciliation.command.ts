import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { ReconcileRequestedView } from '../../drift.views';

/** A person or pipeline asks for a reconciliation now (`POST …/reconcile`): one job per environment at a time. */
@AuditedCommand<RequestReconciliationCommand, ReconcileRequestedView>({ action: 'drift.request-reconcile', targetType: 'environment', targetId: (c) => c.environmentId })
export class RequestReconciliationCommand extends Command<ReconcileRequestedView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
