import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { entityTable, SqlWhere, TransactionManager } from '@rcp/persistence';
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

  /** One round trip outside a transaction (TransactionManager.readInOneTrip), a plain query inside one. */
  async page(filter: EnvironmentFilter): Promise<RuntimeEnvironment[]> {
    const q = new SqlWhere();
    if (filter.tenantId) q.and(`tenant_id = ${q.param(filter.tenantId)}`);
    if (filter.projectId) q.and(`project_id = ${q.param(filter.projectId)}`);
    if (filter.projectIds) q.and(`project_id = ANY(${q.param(filter.projectIds)}::text[])`);
    if (filter.state) q.and(`state = ${q.param(filter.state)}`);
    if (filter.after) q.and(`(created_at, id) > (${q.param(filter.after.t)}::timestamptz, ${q.param(filter.after.id)}::uuid)`);
    const table = entityTable(this.tx.dataSource, EnvironmentOrmEntity);
    const [rows] = await this.tx.readInOneTrip([{ sql: `SELECT * FROM ${table.table} ${q.clause()} ORDER BY created_at, id LIMIT ${q.param(filter.limit + 1)}`, params: q.params }]);
    return rows.map((row) => EnvironmentMapper.toDomain(table.fromRaw(row)));
  }

  async running(limit: number, afterId = ''): Promise<Array<{ id: string; tenantId: string; projectId: string }>> {
    const rows: Array<{ id: string; tenant_id: string; project_id: string }> = await this.tx
      .manager()
      .query(`SELECT id, tenant_id, project_id FROM inventory.environments WHERE state = 'ready' AND id::text > $1 ORDER BY id::text LIMIT $2`, [afterId, limit]);
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, projectId: r.project_id }));
  }
}
