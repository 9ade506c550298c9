import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { validateDesiredState } from '../../../domain/desired-state';
import { EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { EnvironmentDrift } from '../../../domain/environment-drift.aggregate';
import { reachEnvironment } from '../../drift-access';
import { RecordedDesiredStateView, desiredStateView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { RecordDesiredStateCommand } from './record-desired-state.command';

/**
 * Validates and records an immutable snapshot. The newest wins; an older revision of the same repository
 * (by `observedAt`) is recorded without replacing it, and the answer says so; the same source and
 * services again records nothing. The environment's schedule reconciles it soon after.
 */
@CommandHandler(RecordDesiredStateCommand)
export class RecordDesiredStateHandler implements ICommandHandler<RecordDesiredStateCommand, RecordedDesiredStateView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly directory: DriftDirectory,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RecordDesiredStateCommand): Promise<RecordedDesiredStateView> {
    return this.uow.run(cmd, async (note) => {
      const state = validateDesiredState({ source: cmd.source, services: cmd.services, observedAt: cmd.observedAt });
      const env = await reachEnvironment(this.directory, cmd.environmentId, cmd.scope);
      note.projectId = env.projectId;
      const now = this.clock.now();
      const drift = (await this.drifts.find(env.environmentId, { lock: true })) ?? EnvironmentDrift.open(env, now);
      const outcome = drift.recordDesiredState(state, randomUUID(), cmd.by, now);
      const view = { ...desiredStateView(env.environmentId, outcome.snapshot), current: outcome.current, reason: outcome.reason };
      if (outcome.duplicate) return unchanged(view);
      await this.drifts.save(drift);
      return view;
    });
  }
}
