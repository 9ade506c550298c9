import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { DriftFindingView } from '../../drift.views';

/** A person suppresses a finding: tracked, never remediated, until `until` (or for good). */
@AuditedCommand<SuppressFindingCommand, DriftFindingView>({ action: 'drift-finding.suppress', targetType: 'drift-finding', targetId: (c) => c.findingId, details: (c) => ({ reason: c.reason, until: c.until?.toISOString() ?? null }) })
export class SuppressFindingCommand extends Command<DriftFindingView> {
  constructor(
    readonly findingId: string,
    readonly reason: string,
    readonly until: Date | null,
    readonly by: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
