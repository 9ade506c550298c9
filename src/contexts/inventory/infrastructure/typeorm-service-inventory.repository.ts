import { Injectable } from '@nestjs/common';
import { ConcurrentModificationError } from '@rcp/ddd';
import { AggregateStore } from '@rcp/messaging';
import { entityTable, TransactionManager } from '@rcp/persistence';
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
    // The root and its services in one message (one round trip), hydrated as TypeORM would.
    const roots = entityTable(this.tx.dataSource, ServiceInventoryOrmEntity);
    const services = entityTable(this.tx.dataSource, RuntimeServiceOrmEntity);
    const [rootRows, serviceRows] = await this.tx.readInOneTrip([
      { sql: `SELECT * FROM ${roots.table} WHERE environment_id = $1`, params: [environmentId] },
      { sql: `SELECT * FROM ${services.table} WHERE environment_id = $1 ORDER BY name`, params: [environmentId] },
    ]);
    if (!rootRows[0]) return null;
    return ServiceInventoryMapper.toDomain(roots.fromRaw(rootRows[0]), serviceRows.map((row) => services.fromRaw(row)));
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
    // One multi-row upsert of the touched services, columns from the entity.
    await this.tx.manager().upsert(
      RuntimeServiceOrmEntity,
      writes.map((w) => ({ ...w, environmentId: s.environmentId, tenantId: s.tenantId })),
      ['environmentId', 'name'],
    );
  }
}
