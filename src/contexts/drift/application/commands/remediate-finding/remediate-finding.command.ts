import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { RemediationAction } from '../../../domain/remediation-policy';
import { DriftFindingView } from '../../drift.views';

/** A person asks for a corrective deployment of an open finding (`action`: what drift would choose, unless given). */
@AuditedCommand<RemediateFindingCommand, DriftFindingView>({ action: 'drift-finding.remediate', targetType: 'drift-finding', targetId: (c) => c.findingId, details: (c) => ({ action: c.action ?? 'chosen' }) })
export class RemediateFindingCommand extends Command<DriftFindingView> {
  constructor(
    readonly findingId: string,
    readonly by: string,
    readonly action?: RemediationAction,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
