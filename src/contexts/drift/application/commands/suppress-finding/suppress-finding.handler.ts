import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, NotFoundError, VersionConflictError, canSee } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { DriftFindingRepository } from '../../../domain/drift.repository';
import { DriftFindingView, findingView } from '../../drift.views';
import { SuppressFindingCommand } from './suppress-finding.command';

@CommandHandler(SuppressFindingCommand)
export class SuppressFindingHandler implements ICommandHandler<SuppressFindingCommand, DriftFindingView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly findings: DriftFindingRepository,
    private readonly clock: Clock,
  ) {}

  execute(cmd: SuppressFindingCommand): Promise<DriftFindingView> {
    return this.uow.run(cmd, async (note) => {
      const f = await this.findings.findById(cmd.findingId);
      if (!f || !canSee(cmd.scope, f.snapshot().projectId)) throw new NotFoundError('Drift finding', cmd.findingId);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== f.version) throw new VersionConflictError(cmd.expectedVersion, f.version);
      note.projectId = f.snapshot().projectId;
      f.suppress(cmd.reason, cmd.until, cmd.by, this.clock.now());
      await this.findings.save(f);
      return findingView(f);
    });
  }
}
