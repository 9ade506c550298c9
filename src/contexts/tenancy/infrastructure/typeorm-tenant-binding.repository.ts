import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateStore } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository } from '../domain/tenant-binding.repository';
import { TenantBindingMapper } from './tenant-binding.mapper';
import { TenantBindingOrmEntity } from './tenant-binding.orm-entity';

/** TypeORM adapter of the tenant binding repository port. */
@Injectable()
export class TypeOrmTenantBindingRepository extends TenantBindingRepository {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  async findById(id: string): Promise<RuntimeTenantBinding | null> {
    const row = await this.tx.manager().findOne(TenantBindingOrmEntity, { where: { id } });
    return row ? TenantBindingMapper.toDomain(row) : null;
  }

  async page(filter: { state?: string; limit: number; after?: { t: string; id: string } }): Promise<RuntimeTenantBinding[]> {
    const qb = this.tx
      .manager()
      .createQueryBuilder(TenantBindingOrmEntity, 't')
      .orderBy('t.created_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .take(filter.limit + 1);
    if (filter.state) qb.andWhere('t.state = :state', { state: filter.state });
    // Only the cursor's two values become parameters, under names nothing else uses.
    if (filter.after) qb.andWhere('(t.created_at, t.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: filter.after.t, afterId: filter.after.id });
    return (await qb.getMany()).map(TenantBindingMapper.toDomain);
  }

  async save(binding: RuntimeTenantBinding): Promise<void> {
    await this.store.save({
      aggregate: binding,
      aggregateType: 'RuntimeTenantBinding',
      entity: TenantBindingOrmEntity,
      row: TenantBindingMapper.toRow(binding),
      tenantId: binding.id,
      events: TenantBindingMapper.toIntegrationEvents(binding.pullEvents()),
      onDuplicate: () => new DomainError('precondition_failed', `Tenant ${binding.id} already exists`, { reasons: [`tenant id ${binding.id} is taken`] }),
    });
  }
}
