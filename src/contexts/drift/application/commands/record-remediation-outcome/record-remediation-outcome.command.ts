import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

export type RemediationOutcome =
  | { kind: 'started'; findingId: string }
  | { kind: 'succeeded' }
  | { kind: 'gate-rollback'; revision: number; reason: string }
  | { kind: 'failed' | 'rolled_back' | 'aborted'; reason: string };

/** What became of a corrective deployment, from deployment's events: the finding it serves moves on. */
@AuditedCommand<RecordRemediationOutcomeCommand, { changed: boolean }>({
  action: 'drift-finding.remediation-{kind}',
  targetType: 'drift-finding',
  targetId: (c) => ('findingId' in c.outcome ? c.outcome.findingId : null) ?? c.deploymentId,
  details: (c) => ({ deploymentId: c.deploymentId, outcome: c.outcome.kind }),
})
export class RecordRemediationOutcomeCommand extends Command<{ changed: boolean }> {
  readonly kind: string;
  constructor(
    readonly deploymentId: string,
    readonly outcome: RemediationOutcome,
  ) {
    super();
    this.kind = outcome.kind;
  }
}
