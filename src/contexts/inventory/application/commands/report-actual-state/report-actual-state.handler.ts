import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { RuntimeEnvironmentRepository, ServiceInventoryRepository } from '../../../domain/inventory.repository';
import { RuntimeServiceInventory } from '../../../domain/runtime-service-inventory.aggregate';
import { assertVisible } from '../../access-scope';
import { TenantReadModel } from '../../read-models/tenant-read-model';
import { ActualStateResult, ReportActualStateCommand } from './report-actual-state.command';

/**
 * Diffs a full actual-state report against the environment's inventory and records service-observed,
 * -changed and -removed. Reports are accepted while the environment exists on infrastructure (ready or
 * decommissioning). A stale report is answered, not refused: agents retry and race, and telling them
 * "a newer report won" is more useful than an error.
 */
@CommandHandler(ReportActualStateCommand)
export class ReportActualStateHandler implements ICommandHandler<ReportActualStateCommand, ActualStateResult> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly inventories: ServiceInventoryRepository,
    private readonly tenants: TenantReadModel,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ReportActualStateCommand): Promise<ActualStateResult> {
    const { environmentId, report, scope } = cmd;
    return this.uow.run(cmd, async () => {
      const env = assertVisible(await this.environments.findById(environmentId), environmentId, scope);
      env.assertAcceptsActualState();
      const terms = await this.tenants.termsOf(env.tenantId);
      const inventory =
        (await this.inventories.findByEnvironment(env.id)) ?? RuntimeServiceInventory.empty({ environmentId: env.id, tenantId: env.tenantId, projectId: env.projectId });
      const outcome = inventory.applyReport(report, terms?.quotas.maxServicesPerEnvironment ?? null, this.clock.now());
      const observedAt = report.observedAt.toISOString();
      if (!outcome.applied) {
        const current = inventory.liveServices();
        const stale: ActualStateResult = {
          environmentId,
          applied: false,
          reason: outcome.reason,
          observedAt,
          lastObservedAt: outcome.lastObservedAt,
          observed: [],
          changed: [],
          removed: [],
          unchanged: [],
          overQuota: current.some((s) => s.overQuota),
          overQuotaServices: current.filter((s) => s.overQuota).map((s) => s.name),
          liveServices: current.length,
          maxServicesPerEnvironment: terms?.quotas.maxServicesPerEnvironment ?? null,
        };
        return cmd.source === 'data-plane' ? unchanged(stale) : stale;
      }
      const result: ActualStateResult = {
        environmentId,
        applied: true,
        observedAt,
        lastObservedAt: observedAt,
        observed: outcome.observed,
        changed: outcome.changed,
        removed: outcome.removed,
        unchanged: outcome.unchanged,
        overQuota: outcome.overQuota.length > 0,
        overQuotaServices: outcome.overQuota,
        liveServices: outcome.liveServices,
        maxServicesPerEnvironment: outcome.maxServicesPerEnvironment,
      };
      await this.inventories.save(inventory);
      // A pull finds the same most of the time: its observation time is kept (so an older report that
      // arrives later is still recognised as stale), but it publishes nothing and is not audited.
      if (cmd.source === 'data-plane' && outcome.observed.length + outcome.changed.length + outcome.removed.length === 0) return unchanged(result);
      return result;
    });
  }
}
