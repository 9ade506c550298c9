import { Injectable } from '@nestjs/common';
import { ConcurrentModificationError } from '@rcp/ddd';
import { AggregateStore } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { HealthCheckResult } from '../domain/health-check-result.aggregate';
import { HealthCheckResultRepository, ScalingPolicyRepository } from '../domain/health.repository';
import { ScalingDecision, ScalingPolicy } from '../domain/scaling-policy.aggregate';
import { CheckResultMapper, ScalingPolicyMapper } from './health.mappers';
import { CheckResultOrmEntity, ScalingDecisionOrmEntity, ScalingPolicyOrmEntity } from './health.orm-entities';

const lockKey = (...parts: string[]) => `health:${parts.join('/')}`;

/** TypeORM adapter of the health check results (`health.check_results`). */
@Injectable()
export class TypeOrmHealthCheckResultRepository extends HealthCheckResultRepository {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  async find(environmentId: string, service: string, revision: string | null, opts: { lock?: boolean } = {}): Promise<HealthCheckResult | null> {
    const m = this.tx.manager();
    // Reports of one service queue here, also before its first check (a row lock would have no row).
    if (opts.lock) await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey('check', environmentId, service, revision ?? '')]);
    const row = await m.findOne(CheckResultOrmEntity, { where: { environmentId, service, revision: revision ?? '' } });
    return row ? CheckResultMapper.toDomain(row) : null;
  }

  async save(r: HealthCheckResult): Promise<void> {
    const s = r.snapshot();
    await this.store.save({
      aggregate: r,
      aggregateType: 'HealthCheckResult',
      entity: CheckResultOrmEntity,
      row: CheckResultMapper.toRow(r),
      tenantId: s.tenantId,
      projectId: s.projectId,
      events: CheckResultMapper.toIntegrationEvents(r.pullEvents()),
      onDuplicate: () => new ConcurrentModificationError('HealthCheckResult', `${s.environmentId}/${s.service}`),
    });
  }

  async ofEnvironment(environmentId: string): Promise<HealthCheckResult[]> {
    const rows = await this.tx.manager().find(CheckResultOrmEntity, { where: { environmentId }, order: { service: 'ASC', revision: 'ASC' } });
    return rows.map(CheckResultMapper.toDomain);
  }

  async stale(before: Date, limit: number) {
    const rows: Array<{ id: string; tenant_id: string; project_id: string; environment_id: string; service: string; revision: string }> = await this.tx.manager().query(
      `SELECT id, tenant_id, project_id, environment_id, service, revision FROM health.check_results
       WHERE status <> 'unknown' AND last_report_at < $1 ORDER BY last_report_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, projectId: r.project_id, environmentId: r.environment_id, service: r.service, revision: r.revision === '' ? null : r.revision }));
  }
}

/** TypeORM adapter of the scaling policies and their decisions (`health.scaling_policies`, `health.scaling_decisions`). */
@Injectable()
export class TypeOrmScalingPolicyRepository extends ScalingPolicyRepository {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  async find(environmentId: string, service: string, opts: { lock?: boolean } = {}): Promise<ScalingPolicy | null> {
    const m = this.tx.manager();
    if (opts.lock) await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey('policy', environmentId, service)]);
    const row = await m.findOne(ScalingPolicyOrmEntity, { where: { environmentId, service } });
    return row ? this.withPending(row) : null;
  }

  async findByOperation(operationId: string): Promise<{ policy: ScalingPolicy; decisionId: string } | null> {
    const m = this.tx.manager();
    const d = await m.findOne(ScalingDecisionOrmEntity, { where: { operationId } });
    if (!d) return null;
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey('policy', d.environmentId, d.service)]);
    const row = await m.findOne(ScalingPolicyOrmEntity, { where: { id: d.policyId } });
    const fresh = await m.findOne(ScalingDecisionOrmEntity, { where: { id: d.id } });
    return row && fresh ? { policy: ScalingPolicyMapper.toDomain(row, [fresh]), decisionId: d.id } : null;
  }

  private async withPending(row: ScalingPolicyOrmEntity): Promise<ScalingPolicy> {
    const pending = row.pendingDecisionId ? await this.tx.manager().find(ScalingDecisionOrmEntity, { where: { id: row.pendingDecisionId } }) : [];
    return ScalingPolicyMapper.toDomain(row, pending);
  }

  async save(p: ScalingPolicy): Promise<void> {
    const touched = p.takeTouchedDecisions();
    const s = p.snapshot();
    await this.store.save({
      aggregate: p,
      aggregateType: 'ScalingPolicy',
      entity: ScalingPolicyOrmEntity,
      row: ScalingPolicyMapper.toRow(p),
      tenantId: s.tenantId,
      projectId: s.projectId,
      events: ScalingPolicyMapper.toIntegrationEvents(p.pullEvents()),
      onDuplicate: () => new ConcurrentModificationError('ScalingPolicy', `${s.environmentId}/${s.service}`),
    });
    if (touched.length > 0) await this.tx.manager().upsert(ScalingDecisionOrmEntity, touched.map((d) => ScalingPolicyMapper.decisionRow(p, d)), ['id']);
  }

  async ofEnvironment(environmentId: string): Promise<ScalingPolicy[]> {
    const rows = await this.tx.manager().find(ScalingPolicyOrmEntity, { where: { environmentId }, order: { service: 'ASC' } });
    return rows.map((r) => ScalingPolicyMapper.toDomain(r, []));
  }

  async pageDecisions(environmentId: string, limit: number, after?: { t: string; id: string }, service?: string): Promise<Array<ScalingDecision & { service: string }>> {
    const qb = this.tx
      .manager()
      .createQueryBuilder(ScalingDecisionOrmEntity, 'd')
      .where('d.environment_id = :environmentId', { environmentId })
      .orderBy('d.made_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(limit + 1);
    if (service) qb.andWhere('d.service = :service', { service });
    if (after) qb.andWhere('(d.made_at, d.id) < (:afterT, :afterId)', { afterT: after.t, afterId: after.id });
    return (await qb.getMany()).map((d) => ({ ...ScalingPolicyMapper.decisionOf(d), service: d.service }));
  }

  async decision(id: string) {
    const d = await this.tx.manager().findOne(ScalingDecisionOrmEntity, { where: { id } });
    return d ? { ...ScalingPolicyMapper.decisionOf(d), environmentId: d.environmentId, service: d.service, tenantId: d.tenantId, projectId: d.projectId } : null;
  }
}
