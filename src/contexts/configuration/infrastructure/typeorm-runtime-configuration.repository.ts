import { Injectable } from '@nestjs/common';
import { ConcurrentModificationError } from '@rcp/ddd';
import { AggregateStore } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeConfigurationRepository } from '../domain/configuration.repository';
import { ConfigVersionSnapshot, RuntimeConfiguration } from '../domain/runtime-configuration.aggregate';
import { RuntimeConfigurationMapper } from './runtime-configuration.mapper';
import { ConfigVersionOrmEntity, RuntimeConfigurationOrmEntity } from './runtime-configuration.orm-entity';

/**
 * TypeORM adapter of the configuration repository. Publishers of one service are serialized by a
 * transaction-level advisory lock on (environment, service), taken before the line is read; the line's
 * row carries the aggregate version (checked on save, with the outbox append), then the new versions are
 * inserted, whose primary key (line, number) would turn any other race into a conflict, never a gap or
 * a duplicate.
 */
@Injectable()
export class TypeOrmRuntimeConfigurationRepository extends RuntimeConfigurationRepository {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  async findByService(environmentId: string, service: string, opts: { lock?: boolean } = {}): Promise<RuntimeConfiguration | null> {
    const m = this.tx.manager();
    // Publishers of one service queue here, also before its first version exists (a row lock would have no row to hold).
    if (opts.lock) await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`configuration:${environmentId}/${service}`]);
    const row = await m.findOne(RuntimeConfigurationOrmEntity, { where: { environmentId, service } });
    if (!row) return null;
    const latest = await m.findOne(ConfigVersionOrmEntity, { where: { configurationId: row.id, number: row.latestVersion } });
    return RuntimeConfigurationMapper.toDomain(row, latest);
  }

  async save(c: RuntimeConfiguration): Promise<void> {
    const versions = c.takePendingVersions();
    const s = c.snapshot();
    await this.store.save({
      aggregate: c,
      aggregateType: 'RuntimeConfiguration',
      entity: RuntimeConfigurationOrmEntity,
      row: RuntimeConfigurationMapper.toRow(c),
      tenantId: s.tenantId,
      projectId: s.projectId,
      events: RuntimeConfigurationMapper.toIntegrationEvents(c.pullEvents()),
      // Two first versions of one service at once: the loser retries and publishes as version 2 (or finds its content is version 1).
      onDuplicate: () => new ConcurrentModificationError('RuntimeConfiguration', `${s.environmentId}/${s.service}`),
    });
    if (versions.length > 0) await this.tx.manager().insert(ConfigVersionOrmEntity, versions.map((v) => RuntimeConfigurationMapper.versionRow(c, v)));
  }

  async findVersion(environmentId: string, service: string, version: number): Promise<ConfigVersionSnapshot | null> {
    const rows: ConfigVersionOrmEntity[] = await this.tx
      .manager()
      .createQueryBuilder(ConfigVersionOrmEntity, 'v')
      .innerJoin(RuntimeConfigurationOrmEntity, 'c', 'c.id = v.configuration_id')
      .where('c.environment_id = :environmentId AND c.service = :service AND v.number = :version', { environmentId, service, version })
      .getMany();
    return rows[0] ? RuntimeConfigurationMapper.versionOf(rows[0]) : null;
  }

  async pageVersions(environmentId: string, service: string, limit: number, before?: number): Promise<ConfigVersionSnapshot[]> {
    const qb = this.tx
      .manager()
      .createQueryBuilder(ConfigVersionOrmEntity, 'v')
      .innerJoin(RuntimeConfigurationOrmEntity, 'c', 'c.id = v.configuration_id')
      .where('c.environment_id = :environmentId AND c.service = :service', { environmentId, service })
      .orderBy('v.number', 'DESC')
      .take(limit + 1);
    if (before !== undefined) qb.andWhere('v.number < :before', { before });
    return (await qb.getMany()).map(RuntimeConfigurationMapper.versionOf);
  }
}
