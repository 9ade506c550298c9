import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { HealthCheckResultRepository } from '../../../domain/health.repository';
import { thresholdsOf } from '../../health-settings';
import { ExpireStaleHealthCommand } from './expire-stale-health.command';

@CommandHandler(ExpireStaleHealthCommand)
export class ExpireStaleHealthHandler implements ICommandHandler<ExpireStaleHealthCommand, { expired: boolean }> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly results: HealthCheckResultRepository,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: ExpireStaleHealthCommand): Promise<{ expired: boolean }> {
    return this.uow.run<ExpireStaleHealthCommand, { expired: boolean }>(cmd, async (note) => {
      const result = await this.results.find(cmd.environmentId, cmd.service, cmd.revision, { lock: true });
      if (!result || !result.expireIfStale(thresholdsOf(this.settings), this.clock.now())) return unchanged({ expired: false });
      note.projectId = result.projectId;
      note.tenantId = result.snapshot().tenantId;
      await this.results.save(result);
      return { expired: true };
    });
  }
}
