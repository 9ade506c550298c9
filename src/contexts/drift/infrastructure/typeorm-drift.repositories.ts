import { Injectable } from '@nestjs/common';
import { DomainError } from '@rcp/ddd';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { DriftFindingRepository, EnvironmentDriftRepository, FindingFilter } from '../domain/drift.repository';
import { RuntimeDriftFinding } from '../domain/drift-finding.aggregate';
import { DesiredSnapshot, EnvironmentDrift } from '../domain/environment-drift.aggregate';
import { DriftFindingMapper, EnvironmentDriftMapper } from './drift.mappers';
import { DriftFindingOrmEntity, EnvironmentDriftOrmEntity } from './drift.orm-entities';

interface HistoryRow {
  id: string;
  repository: string;
  revision: string;
  path: string;
  services: DesiredSnapshot['services'];
  observed_at: Date;
  recorded_at: Date;
  recorded_by: string;
  digest: string;
}

/** TypeORM adapter of `drift.environment_drift`, with the desired-state history in `drift.desired_states` (insert only). */
@Injectable()
export class TypeOrmEnvironmentDriftRepository extends EnvironmentDriftRepository {
  private readonly aggregates: AggregateRepository<EnvironmentDrift>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.aggregates = aggregateRepository(tx, store, { entity: EnvironmentDriftOrmEntity, aggregateType: 'EnvironmentDrift', mapper: EnvironmentDriftMapper });
  }

  async find(environmentId: string, opts: { lock?: boolean } = {}): Promise<EnvironmentDrift | null> {
    if (!opts.lock) return this.aggregates.findById(environmentId);
    const row = await this.tx.manager().createQueryBuilder(EnvironmentDriftOrmEntity, 'd').setLock('pessimistic_write').where('d.id = :environmentId', { environmentId }).getOne();
    return row ? EnvironmentDriftMapper.toDomain(row) : null;
  }

  async save(drift: EnvironmentDrift): Promise<void> {
    const recorded = drift.takeRecordedSnapshots();
    const s = drift.snapshot();
    await this.aggregates.save(drift);
    for (const r of recorded) {
      await this.tx
        .manager()
        .query(
          `INSERT INTO drift.desired_states (id, environment_id, tenant_id, project_id, repository, revision, path, services, observed_at, recorded_at, recorded_by, digest)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)`,
          [r.id, s.id, s.tenantId, s.projectId, r.source.repository, r.source.revision, r.source.path, JSON.stringify(r.services), r.observedAt, r.recordedAt, r.recordedBy, r.digest],
        );
    }
    // The schedule follows the environment once it has a desired state (reconciled soon after the first one).
    if (s.desired) {
      await this.tx.manager().query(
        `INSERT INTO drift.schedule (environment_id, tenant_id, project_id, interval_seconds, next_at, change_requested_at)
         VALUES ($1, $2, $3, $4, now(), now())
         ON CONFLICT (environment_id) DO UPDATE SET interval_seconds = EXCLUDED.interval_seconds`,
        [s.id, s.tenantId, s.projectId, s.policy.reconcileIntervalSeconds],
      );
    }
  }

  async history(environmentId: string, limit: number, before?: { t: string; id: string }): Promise<DesiredSnapshot[]> {
    const params: unknown[] = [environmentId, limit + 1];
    let where = '';
    if (before) {
      params.push(before.t, before.id);
      where = `AND (recorded_at, id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows: HistoryRow[] = await this.tx
      .manager()
      .query(
        `SELECT id, repository, revision, path, services, observed_at, recorded_at, recorded_by, digest FROM drift.desired_states
         WHERE environment_id = $1 ${where} ORDER BY recorded_at DESC, id DESC LIMIT $2`,
        params,
      );
    return rows.map((r) => ({
      id: r.id,
      source: { repository: r.repository, revision: r.revision, path: r.path },
      services: r.services,
      observedAt: new Date(r.observed_at),
      recordedAt: new Date(r.recorded_at),
      recordedBy: r.recorded_by,
      digest: r.digest,
    }));
  }
}

/** TypeORM adapter of `drift.findings`: at most one unresolved finding per fingerprint (a partial unique index). */
@Injectable()
export class TypeOrmDriftFindingRepository extends DriftFindingRepository {
  private readonly aggregates: AggregateRepository<RuntimeDriftFinding>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.aggregates = aggregateRepository(tx, store, {
      entity: DriftFindingOrmEntity,
      aggregateType: 'RuntimeDriftFinding',
      mapper: DriftFindingMapper,
      onDuplicate: (f) => new DomainError('concurrent_modification', `another reconciliation of environment ${f.snapshot().environmentId} recorded this finding meanwhile`),
    });
  }

  findById(id: string): Promise<RuntimeDriftFinding | null> {
    return this.aggregates.findById(id);
  }

  save(finding: RuntimeDriftFinding): Promise<void> {
    return this.aggregates.save(finding);
  }

  async unresolvedOf(environmentId: string): Promise<RuntimeDriftFinding[]> {
    const rows = await this.tx.manager().createQueryBuilder(DriftFindingOrmEntity, 'f').where(`f.environment_id = :environmentId AND f.state <> 'resolved'`, { environmentId }).orderBy('f.created_at').getMany();
    return rows.map(DriftFindingMapper.toDomain);
  }

  async byDeployment(deploymentId: string): Promise<RuntimeDriftFinding | null> {
    const row = await this.tx.manager().findOne(DriftFindingOrmEntity, { where: { deploymentId } });
    return row ? DriftFindingMapper.toDomain(row) : null;
  }

  async resolvedSince(environmentId: string, fingerprint: string, since: Date): Promise<RuntimeDriftFinding | null> {
    const row = await this.tx
      .manager()
      .createQueryBuilder(DriftFindingOrmEntity, 'f')
      .where(`f.environment_id = :environmentId AND f.fingerprint = :fingerprint AND f.state = 'resolved' AND f.updated_at >= :since`, { environmentId, fingerprint, since })
      .orderBy('f.updated_at', 'DESC')
      .getOne();
    return row ? DriftFindingMapper.toDomain(row) : null;
  }

  async page(filter: FindingFilter, limit: number, after?: { t: string; id: string }): Promise<RuntimeDriftFinding[]> {
    const qb = this.tx.manager().createQueryBuilder(DriftFindingOrmEntity, 'f').orderBy('f.created_at', 'ASC').addOrderBy('f.id', 'ASC').take(limit + 1);
    if (filter.environmentId) qb.andWhere('f.environment_id = :environmentId', { environmentId: filter.environmentId });
    if (filter.state) qb.andWhere('f.state = :state', { state: filter.state });
    if (filter.service) qb.andWhere('f.service = :service', { service: filter.service });
    if (filter.kind) qb.andWhere('f.kind = :kind', { kind: filter.kind });
    if (filter.projectIds) qb.andWhere('f.project_id IN (:...projectIds)', { projectIds: filter.projectIds });
    if (after) qb.andWhere('(f.created_at, f.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: after.t, afterId: after.id });
    return (await qb.getMany()).map(DriftFindingMapper.toDomain);
  }
}
