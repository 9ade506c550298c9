import { publishing } from '@rcp/messaging';
import { ServiceChangedV1, ServiceObservedV1, ServiceRemovedV1 } from '../contracts';
import { ServiceInventoryEvent } from '../domain/inventory.domain-events';
import { RuntimeServiceInventory } from '../domain/runtime-service-inventory.aggregate';
import { RuntimeServiceSnapshot } from '../domain/runtime-service.entity';
import { RuntimeServiceOrmEntity, ServiceInventoryOrmEntity } from './service-inventory.orm-entity';

/** Explicit mapping between the service inventory aggregate, its rows and its published events. */
export const ServiceInventoryMapper = {
  toDomain(root: ServiceInventoryOrmEntity, services: RuntimeServiceOrmEntity[]): RuntimeServiceInventory {
    return RuntimeServiceInventory.rehydrate({
      environmentId: root.environmentId,
      tenantId: root.tenantId,
      projectId: root.projectId,
      lastObservedAt: root.lastObservedAt,
      version: root.version,
      services: services.map(({ environmentId: _environment, tenantId: _tenant, ...service }): RuntimeServiceSnapshot => service),
    });
  },

  toRootRow(inv: RuntimeServiceInventory, now: Date): Omit<ServiceInventoryOrmEntity, 'version'> {
    const s = inv.snapshot();
    return { environmentId: s.environmentId, tenantId: s.tenantId, projectId: s.projectId, lastObservedAt: s.lastObservedAt, updatedAt: now };
  },

  /**
   * The subject of its events: its own, not its environment's id (the environment publishes under that
   * with its own version counter), so a consumer guarding on `aggregateversion` sees one line per subject.
   */
  subjectOf(environmentId: string): string {
    return `${environmentId}/services`;
  },

  /** Domain events → the published integration events of `contracts/` (the aggregate's id is its environment's). */
  toIntegrationEvents: publishing<ServiceInventoryEvent>({
    ServiceObserved: (e) => new ServiceObservedV1({ environmentId: e.aggregateId, ...e.payload }),
    ServiceChanged: (e) => new ServiceChangedV1({ environmentId: e.aggregateId, ...e.payload }),
    ServiceRemoved: (e) => new ServiceRemovedV1({ environmentId: e.aggregateId, ...e.payload }),
  }),
};
