import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { DeploymentFilter, DeploymentRepository } from '../domain/deployment.repository';
import { HealthGate } from '../domain/health-gate';
import { FINISHED_STATES, Release, RuntimeDeployment } from '../domain/runtime-deployment.aggregate';
import { DeploymentMapper } from './deployment.mapper';
import { DeploymentOrmEntity } from './deployment.orm-entity';

/** TypeORM adapter of the deployment repository (`deployment.deployments`). */
@Injectable()
export class TypeOrmDeploymentRepository extends DeploymentRepository {
  private readonly deployments: AggregateRepository<RuntimeDeployment>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.deployments = aggregateRepository(tx, store, {
      entity: DeploymentOrmEntity,
      aggregateType: 'RuntimeDeployment',
      mapper: DeploymentMapper,
      // The partial unique index (one unfinished deployment per service) or the revision key: another
      // deployment of the service was accepted meanwhile.
      onDuplicate: (d) => {
        const { service, environmentId } = d.snapshot();
        const reason = `another deployment of ${service} in environment ${environmentId} was accepted meanwhile: one rollout of a service at a time`;
        return new DomainError('precondition_failed', reason, { reasons: [reason] });
      },
    });
  }

  findById(id: string): Promise<RuntimeDeployment | null> {
    return this.deployments.findById(id);
  }

  save(deployment: RuntimeDeployment): Promise<void> {
    return this.deployments.save(deployment);
  }

  async findByOperation(operationId: string): Promise<RuntimeDeployment | null> {
    const rows: Array<{ id: string }> = await this.tx.manager().query(`SELECT id FROM deployment.deployments WHERE operation_id = $1`, [operationId]);
    return rows[0] ? this.deployments.findById(rows[0].id) : null;
  }

  async activeOf(environmentId: string, service: string): Promise<RuntimeDeployment | null> {
    const row = await this.tx
      .manager()
      .createQueryBuilder(DeploymentOrmEntity, 'd')
      .where('d.environment_id = :environmentId AND d.service = :service AND d.state NOT IN (:...finished)', { environmentId, service, finished: FINISHED_STATES })
      .getOne();
    return row ? DeploymentMapper.toDomain(row) : null;
  }

  async lastSucceeded(environmentId: string, service: string): Promise<Release | null> {
    const rows: Array<{ release: Release }> = await this.tx
      .manager()
      .query(`SELECT release FROM deployment.deployments WHERE environment_id = $1 AND service = $2 AND state = 'succeeded' ORDER BY revision DESC LIMIT 1`, [environmentId, service]);
    return rows[0]?.release ?? null;
  }

  async succeededRelease(environmentId: string, service: string, revision: number): Promise<Release | null> {
    const rows: Array<{ release: Release }> = await this.tx
      .manager()
      .query(`SELECT release FROM deployment.deployments WHERE environment_id = $1 AND service = $2 AND revision = $3 AND state = 'succeeded'`, [environmentId, service, revision]);
    return rows[0]?.release ?? null;
  }

  async lastHealthGate(environmentId: string, service: string): Promise<HealthGate | null> {
    const rows: Array<{ health_gate: HealthGate }> = await this.tx
      .manager()
      .query(`SELECT health_gate FROM deployment.deployments WHERE environment_id = $1 AND service = $2 ORDER BY revision DESC LIMIT 1`, [environmentId, service]);
    return rows[0]?.health_gate ?? null;
  }

  async lastRevision(environmentId: string, service: string): Promise<number> {
    const rows: Array<{ n: number | null }> = await this.tx
      .manager()
      .query(`SELECT max(revision)::int AS n FROM deployment.deployments WHERE environment_id = $1 AND service = $2`, [environmentId, service]);
    return rows[0]?.n ?? 0;
  }

  async page(filter: DeploymentFilter, limit: number, after?: { t: string; id: string }): Promise<RuntimeDeployment[]> {
    const qb = this.tx.manager().createQueryBuilder(DeploymentOrmEntity, 'd').orderBy('d.created_at', 'ASC').addOrderBy('d.id', 'ASC').take(limit + 1);
    if (filter.environmentId) qb.andWhere('d.environment_id = :environmentId', { environmentId: filter.environmentId });
    if (filter.service) qb.andWhere('d.service = :service', { service: filter.service });
    if (filter.state) qb.andWhere('d.state = :state', { state: filter.state });
    if (filter.projectIds) qb.andWhere('d.project_id IN (:...projectIds)', { projectIds: filter.projectIds });
    if (after) qb.andWhere('(d.created_at, d.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: after.t, afterId: after.id });
    return (await qb.getMany()).map(DeploymentMapper.toDomain);
  }
}
