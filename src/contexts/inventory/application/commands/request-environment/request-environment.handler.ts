import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { RuntimeEnvironment } from '../../../domain/runtime-environment.aggregate';
import { assertMayCreateIn } from '../../access-scope';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { ProvisioningScheduler } from '../../provisioning-scheduler';
import { TenantReadModel } from '../../read-models/tenant-read-model';
import { RequestEnvironmentCommand } from './request-environment.command';

/**
 * Checks the tenant's terms from inventory's read model (onboarded, active, within `maxEnvironments`),
 * creates the environment and enqueues `inventory.provision-environment`, all in one transaction.
 * The tenant's read-model row is locked for the duration, so two concurrent requests cannot both take
 * the last environment of the quota.
 */
@CommandHandler(RequestEnvironmentCommand)
export class RequestEnvironmentHandler implements ICommandHandler<RequestEnvironmentCommand, EnvironmentJobView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly tenants: TenantReadModel,
    private readonly scheduler: ProvisioningScheduler,
    private readonly clock: Clock,
  ) {}

  execute(cmd: RequestEnvironmentCommand): Promise<EnvironmentJobView> {
    const { input, scope } = cmd;
    return this.uow.run(cmd, async () => {
      assertMayCreateIn(scope, input.projectId);
      const terms = await this.tenants.termsOf(input.tenantId, { lock: true });
      const live = await this.environments.countLive(input.tenantId);
      const env = RuntimeEnvironment.request({ id: randomUUID(), ...input }, terms, live, this.clock.now());
      await this.environments.save(env);
      const jobId = await this.scheduler.provision(env);
      return { environment: environmentView(env.snapshot()), jobId };
    });
  }
}
