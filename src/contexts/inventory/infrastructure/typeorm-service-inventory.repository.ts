import { Injectable } from '@nestjs/common';
import { ConcurrentModificationError } from '@rcp/ddd';
import { AggregateStore } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { ServiceInventoryRepository } from '../domain/inventory.repository';
import { RuntimeServiceInventory } from '../domain/runtime-service-inventory.aggregate';
import { ServiceInventoryMapper } from './service-inventory.mapper';
import { RuntimeServiceOrmEntity, ServiceInventoryOrmEntity } from './service-inventory.orm-entity';

/**
 * TypeORM adapter of the service inventory port. The root row (`inventory.service_inventories`) carries
 * the version: saving it first, with the version check of the aggregate store, serializes two reports
 * for one environment; then the touched service rows are upserted in one statement.
 */
@Injectable()
export class TypeOrmServiceInventoryRepository extends ServiceInventoryRepository {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  async findByEnvironment(environmentId: string): Promise<RuntimeServiceInventory | null> {
    const m = this.tx.manager();
    const root = await m.findOne(ServiceInventoryOrmEntity, { where: { environmentId } });
    if (!root) return null;
    const services = await m.find(RuntimeServiceOrmEntity, { where: { environmentId }, order: { name: 'ASC' } });
    return ServiceInventoryMapper.toDomain(root, services);
  }

  async save(inv: RuntimeServiceInventory): Promise<void> {
    const writes = inv.pendingServiceWrites();
    const s = inv.snapshot();
    await this.store.save({
      aggregate: inv,
      aggregateType: 'RuntimeServiceInventory',
      subject: ServiceInventoryMapper.subjectOf(inv.id),
      entity: ServiceInventoryOrmEntity,
      idColumn: 'environment_id',
      row: ServiceInventoryMapper.toRootRow(inv, new Date()),
      tenantId: s.tenantId,
      projectId: s.projectId,
      events: ServiceInventoryMapper.toIntegrationEvents(inv.pullEvents()),
      onDuplicate: () => new ConcurrentModificationError('RuntimeServiceInventory', inv.id),
    });
    if (writes.length === 0) return;
    const col = <K extends keyof (typeof writes)[number]>(k: K) => writes.map((w) => w[k]);
    await this.tx.manager().query(
      `INSERT INTO inventory.runtime_services
         (environment_id, name, tenant_id, image, replicas, ready_replicas, config_checksum, over_quota, removed,
          first_observed_at, last_observed_at, last_changed_at, removed_at)
       SELECT $1::uuid, u.name, $2, u.image, u.replicas, u.ready_replicas, u.config_checksum, u.over_quota, u.removed,
              u.first_observed_at, u.last_observed_at, u.last_changed_at, u.removed_at
       FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::bool[], $9::bool[],
                   $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[])
            AS u(name, image, replicas, ready_replicas, config_checksum, over_quota, removed,
                 first_observed_at, last_observed_at, last_changed_at, removed_at)
       ON CONFLICT (environment_id, name) DO UPDATE SET
         image = EXCLUDED.image, replicas = EXCLUDED.replicas, ready_replicas = EXCLUDED.ready_replicas,
         config_checksum = EXCLUDED.config_checksum, over_quota = EXCLUDED.over_quota, removed = EXCLUDED.removed,
         first_observed_at = EXCLUDED.first_observed_at, last_observed_at = EXCLUDED.last_observed_at,
         last_changed_at = EXCLUDED.last_changed_at, removed_at = EXCLUDED.removed_at`,
      [
        s.environmentId,
        s.tenantId,
        col('name'),
        col('image'),
        col('replicas'),
        col('readyReplicas'),
        col('configChecksum'),
        col('overQuota'),
        col('removed'),
        col('firstObservedAt'),
        col('lastObservedAt'),
        col('lastChangedAt'),
        col('removedAt'),
      ],
    );
  }
}
