import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { IsNull, Not } from 'typeorm';
import { SecretBindingRepository } from '../domain/configuration.repository';
import { SecretBinding } from '../domain/secret-binding.aggregate';
import { SecretBindingMapper } from './secret-binding.mapper';
import { SecretBindingOrmEntity } from './secret-binding.orm-entity';

/** TypeORM adapter of the secret binding repository (`configuration.secret_bindings`). */
@Injectable()
export class TypeOrmSecretBindingRepository extends SecretBindingRepository {
  private readonly bindings: AggregateRepository<SecretBinding>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.bindings = aggregateRepository(tx, store, {
      entity: SecretBindingOrmEntity,
      aggregateType: 'SecretBinding',
      mapper: SecretBindingMapper,
      onDuplicate: (b) => {
        const { name } = b.snapshot();
        return new DomainError('precondition_failed', `A secret binding named ${name} already exists in this environment`, { reasons: [`secret binding name ${name} is taken`] });
      },
    });
  }

  findById(id: string): Promise<SecretBinding | null> {
    return this.bindings.findById(id);
  }

  save(binding: SecretBinding): Promise<void> {
    return this.bindings.save(binding);
  }

  async findByName(environmentId: string, name: string): Promise<SecretBinding | null> {
    const row = await this.tx.manager().findOne(SecretBindingOrmEntity, { where: { environmentId, name, removedAt: IsNull() } });
    return row ? SecretBindingMapper.toDomain(row) : null;
  }

  async page(environmentId: string, limit: number, after?: { t: string; id: string }): Promise<SecretBinding[]> {
    const qb = this.tx
      .manager()
      .createQueryBuilder(SecretBindingOrmEntity, 'b')
      .where('b.environment_id = :environmentId AND b.removed_at IS NULL', { environmentId })
      .orderBy('b.created_at', 'ASC')
      .addOrderBy('b.id', 'ASC')
      .take(limit + 1);
    if (after) qb.andWhere('(b.created_at, b.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: after.t, afterId: after.id });
    return (await qb.getMany()).map(SecretBindingMapper.toDomain);
  }

  async liveOf(environmentId: string): Promise<SecretBinding[]> {
    const rows = await this.tx.manager().find(SecretBindingOrmEntity, { where: { environmentId, removedAt: IsNull() }, order: { name: 'ASC' } });
    return rows.map(SecretBindingMapper.toDomain);
  }

  async environmentsWithBindings(limit: number, afterId = ''): Promise<Array<{ environmentId: string; tenantId: string; projectId: string }>> {
    const rows: Array<{ environment_id: string; tenant_id: string; project_id: string }> = await this.tx.manager().query(
      `SELECT DISTINCT environment_id, tenant_id, project_id FROM configuration.secret_bindings
       WHERE removed_at IS NULL AND environment_id::text > $1 ORDER BY environment_id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ environmentId: r.environment_id, tenantId: r.tenant_id, projectId: r.project_id }));
  }

  async sealedUnder(notKeyId: string, limit: number): Promise<Array<{ id: string; tenantId: string }>> {
    const rows = await this.tx.manager().find(SecretBindingOrmEntity, {
      select: { id: true, tenantId: true },
      where: { sealedKeyId: Not(notKeyId), removedAt: IsNull() },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, tenantId: r.tenantId }));
  }
}
