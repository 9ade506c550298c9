import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { TenantOffboardedV1, TenantSuspendedV1 } from '../../tenancy/contracts';
import { RuntimeEnvironmentRepository } from '../domain/inventory.repository';
import { TenantTerms } from '../domain/tenant-terms';
import { DecommissionEnvironmentCommand } from './commands/decommission-environment/decommission-environment.command';
import { ProjectTenantOnTenancyEventsHandler } from './event-handlers/project-tenant-on-tenancy-events.handler';
import { TenantReadModel } from './read-models/tenant-read-model';

/**
 * What inventory does when a tenant may no longer hold (some of) its environments, race-free with
 * environment requests: the tenancy event is applied to inventory's read model of the tenant first
 * (by its projection, whose version guard makes the projection's own delivery of it harmless) and the
 * tenant's row is locked, in the handler's one transaction, before the environments are listed. A
 * request holds that row's lock from its tenant check to its commit, so one that got in first has
 * committed (and is listed), and one that comes later waits and then reads the new state (403).
 */
@Injectable()
export class TenantTeardown {
  constructor(
    private readonly environments: RuntimeEnvironmentRepository,
    private readonly tenants: TenantReadModel,
    private readonly projection: ProjectTenantOnTenancyEventsHandler,
    private readonly commands: CommandBus,
  ) {}

  /** Applies the event to the read model and locks the tenant's row; returns the tenant's terms as they now are. */
  async applyAndLock(event: TenantOffboardedV1 | TenantSuspendedV1): Promise<TenantTerms | null> {
    await this.projection.handle(event);
    return this.tenants.termsOf(event.data.tenantId, { lock: true });
  }

  /**
   * Decommissions every environment of the tenant that is not gone yet (created at or after
   * `createdFrom`, if given), each through this context's own command (one audit row each); one still
   * provisioning as soon as provisioning settles.
   */
  async decommissionLive(tenantId: string, reason: string, createdFrom?: Date): Promise<void> {
    for (const environmentId of await this.environments.liveIdsOf(tenantId, { createdFrom })) {
      await this.commands.execute(new DecommissionEnvironmentCommand({ environmentId, reason, whenSettled: true }));
    }
  }
}
