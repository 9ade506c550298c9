import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { DesiredService, DesiredSource } from '../../../domain/desired-state';
import { RecordedDesiredStateView } from '../../drift.views';

/** Records what Git declares for an environment, as a GitOps pipeline posts it. */
@AuditedCommand<RecordDesiredStateCommand, RecordedDesiredStateView>({
  action: 'desired-state.record',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  details: (c) => ({ repository: c.source?.repository, revision: c.source?.revision, path: c.source?.path, services: c.services?.length }),
})
export class RecordDesiredStateCommand extends Command<RecordedDesiredStateView> {
  constructor(
    readonly environmentId: string,
    readonly source: DesiredSource,
    readonly services: DesiredService[],
    readonly observedAt: Date,
    readonly by: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
