import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** The outcome of a decision's scale operation (from the data plane), or of its job giving up. */
@AuditedCommand<CompleteScalingCommand>({ action: 'scaling.complete', targetType: 'scaling-operation', targetId: (c) => c.operationId, details: (c) => ({ succeeded: c.outcome.succeeded }) })
export class CompleteScalingCommand extends Command<{ applied: boolean }> {
  constructor(
    readonly operationId: string,
    readonly outcome: { succeeded: true } | { succeeded: false; reason: string },
  ) {
    super();
  }
}
