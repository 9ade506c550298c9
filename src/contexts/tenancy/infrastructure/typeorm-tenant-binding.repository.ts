import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository } from '../domain/tenant-binding.repository';
import { TenantBindingMapper } from './tenant-binding.mapper';
import { TenantBindingOrmEntity } from './tenant-binding.orm-entity';

/** The aggregate repository of tenant bindings (their table, mapper and events). */
export function tenantBindings(tx: TransactionManager, store: AggregateStore): AggregateRepository<RuntimeTenantBinding> {
  return aggregateRepository(tx, store, {
    entity: TenantBindingOrmEntity,
    aggregateType: 'RuntimeTenantBinding',
    mapper: TenantBindingMapper,
    onDuplicate: (b) => new DomainError('precondition_failed', `Tenant ${b.id} already exists`, { reasons: [`tenant id ${b.id} is taken`] }),
  });
}

/** TypeORM adapter of the tenant binding repository port. */
@Injectable()
export class TypeOrmTenantBindingRepository extends TenantBindingRepository {
  private readonly bindings: AggregateRepository<RuntimeTenantBinding>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.bindings = tenantBindings(tx, store);
  }

  findById(id: string): Promise<RuntimeTenantBinding | null> {
    return this.bindings.findById(id);
  }

  save(binding: RuntimeTenantBinding): Promise<void> {
    return this.bindings.save(binding);
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
}
