import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentFilter, RuntimeEnvironmentRepository } from '../domain/inventory.repository';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { EnvironmentMapper } from './environment.mapper';
import { EnvironmentOrmEntity } from './environment.orm-entity';

/** TypeORM adapter of the environment repository port (`inventory.environments`). */
@Injectable()
export class TypeOrmEnvironmentRepository extends RuntimeEnvironmentRepository {
  private readonly environments: AggregateRepository<RuntimeEnvironment>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.environments = aggregateRepository(tx, store, {
      entity: EnvironmentOrmEntity,
      aggregateType: 'RuntimeEnvironment',
      mapper: EnvironmentMapper,
      onDuplicate: (env) => {
        const { name, projectId } = env.snapshot();
        return new DomainError('precondition_failed', `An environment named ${name} already exists in project ${projectId}`, {
          reasons: [`environment name ${name} is taken in project ${projectId}`],
        });
      },
    });
  }

  findById(id: string): Promise<RuntimeEnvironment | null> {
    return this.environments.findById(id);
  }

  save(env: RuntimeEnvironment): Promise<void> {
    return this.environments.save(env);
  }

  async findByOperation(operationId: string): Promise<RuntimeEnvironment | null> {
    const row = await this.tx.manager().findOne(EnvironmentOrmEntity, { where: { operationId } });
    return row ? EnvironmentMapper.toDomain(row) : null;
  }

  async countLive(tenantId: string): Promise<number> {
    const [row] = await this.tx
      .manager()
      .query(`SELECT count(*)::int AS n FROM inventory.environments WHERE tenant_id = $1 AND state <> 'decommissioned'`, [tenantId]);
    return row.n;
  }

  async liveIdsOf(tenantId: string, opts: { createdFrom?: Date } = {}): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.tx.manager().query(
      `SELECT id FROM inventory.environments
       WHERE tenant_id = $1 AND state <> 'decommissioned' AND ($2::timestamptz IS NULL OR created_at >= $2::timestamptz)
       ORDER BY created_at, id`,
      [tenantId, opts.createdFrom ?? null],
    );
    return rows.map((r) => r.id);
  }

  async page(filter: EnvironmentFilter): Promise<RuntimeEnvironment[]> {
    const qb = this.tx
      .manager()
      .createQueryBuilder(EnvironmentOrmEntity, 'e')
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(filter.limit + 1);
    if (filter.tenantId) qb.andWhere('e.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.projectId) qb.andWhere('e.project_id = :projectId', { projectId: filter.projectId });
    if (filter.projectIds) qb.andWhere('e.project_id = ANY(:scopeProjectIds)', { scopeProjectIds: filter.projectIds });
    if (filter.state) qb.andWhere('e.state = :state', { state: filter.state });
    // Only the cursor's two values become parameters, under names nothing else uses.
    if (filter.after) qb.andWhere('(e.created_at, e.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: filter.after.t, afterId: filter.after.id });
    return (await qb.getMany()).map(EnvironmentMapper.toDomain);
  }

  async running(limit: number, afterId = ''): Promise<Array<{ id: string; tenantId: string; projectId: string }>> {
    const rows: Array<{ id: string; tenant_id: string; project_id: string }> = await this.tx
      .manager()
      .query(`SELECT id, tenant_id, project_id FROM inventory.environments WHERE state = 'ready' AND id::text > $1 ORDER BY id::text LIMIT $2`, [afterId, limit]);
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, projectId: r.project_id }));
  }
}
