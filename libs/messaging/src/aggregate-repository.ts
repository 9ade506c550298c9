import { EntityTarget, ObjectLiteral } from 'typeorm';
import { AggregateRoot, DomainError, DomainEvent } from '@rcp/ddd';
import { entityTable, Statement, TransactionManager } from '@rcp/persistence';
import { AggregateStore } from './aggregate-store';
import { IntegrationEvent } from './integration-event';

/** How an aggregate and its table row (and its published events) map onto each other. */
export interface AggregateMapper<A extends AggregateRoot<string, E>, Row extends ObjectLiteral, E extends DomainEvent = DomainEvent> {
  toDomain(row: Row): A;
  /** The row without `version` (the store sets it); it carries `tenantId` (and `projectId`, when the aggregate has one). */
  toRow(aggregate: A): Omit<Row, 'version'>;
  /** Domain → integration events (`publishing<…>({ … })`). */
  toIntegrationEvents(events: readonly E[]): IntegrationEvent[];
}

/** What a TypeORM repository declares about its aggregate, and nothing else for `findById` and `save`. */
export interface AggregateRepositorySpec<A extends AggregateRoot<string, E>, Row extends ObjectLiteral, E extends DomainEvent = DomainEvent> {
  entity: EntityTarget<Row>;
  /** e.g. `RuntimeEnvironment`: written to the outbox row. */
  aggregateType: string;
  mapper: AggregateMapper<A, Row, E>;
  /** The error of inserting an aggregate whose key is taken (default `concurrent_modification`). */
  onDuplicate?: (aggregate: A) => DomainError;
  /** The row's key: its property and column, when not `id` (a service inventory is keyed by its environment). */
  key?: { property: string; column: string };
  /** The subject its events are published under, when not its id. */
  subjectOf?: (aggregate: A) => string;
}

/**
 * The whole-aggregate half of a TypeORM repository, made once from its {@link AggregateRepositorySpec}:
 * `findById` reads the row in the caller's transaction and maps it; `save` writes it through
 * `AggregateStore` (version check, outbox append, in the same transaction), with the tenant and project
 * taken from the row. A concrete repository keeps its own queries and delegates these two:
 *
 * ```ts
 * private readonly aggregates = aggregateRepository(this.tx, this.store, { entity: EnvironmentOrmEntity, aggregateType: 'RuntimeEnvironment', mapper: EnvironmentMapper });
 * findById(id) { return this.aggregates.findById(id); }
 * ```
 */
export interface AggregateRepository<A> {
  findById(id: string): Promise<A | null>;
  save(aggregate: A): Promise<void>;
  /** The statement that reads the aggregate's row by id (`SELECT *`), for a read sent with others in one round trip. */
  statementById(id: string): Statement;
  /** The aggregate of a row {@link statementById} answered. */
  fromRow(raw: Record<string, unknown>): A;
}

export function aggregateRepository<A extends AggregateRoot<string, E>, Row extends ObjectLiteral, E extends DomainEvent = DomainEvent>(
  tx: TransactionManager,
  store: AggregateStore,
  spec: AggregateRepositorySpec<A, Row, E>,
): AggregateRepository<A> {
  const key = spec.key ?? { property: 'id', column: 'id' };
  const table = () => entityTable(tx.dataSource, spec.entity);
  const statementById = (id: string): Statement => ({ sql: `SELECT * FROM ${table().table} WHERE ${table().column(key.column)} = $1`, params: [id] });
  const fromRow = (raw: Record<string, unknown>): A => spec.mapper.toDomain(table().fromRaw(raw));
  return {
    statementById,
    fromRow,
    // Plain SQL hydrated as TypeORM would (entityTable): TypeORM's findOne builds a query builder per
    // call, which cost more CPU than the round trip on hot paths.
    async findById(id: string): Promise<A | null> {
      const { sql, params } = statementById(id);
      const rows: Array<Record<string, unknown>> = await tx.manager().query(sql, params as unknown[]);
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async save(aggregate: A): Promise<void> {
      const row = spec.mapper.toRow(aggregate) as Omit<Row, 'version'> & { tenantId?: string | null; projectId?: string | null };
      await store.save({
        aggregate,
        aggregateType: spec.aggregateType,
        subject: spec.subjectOf?.(aggregate),
        entity: spec.entity,
        idColumn: key.column,
        row,
        tenantId: row.tenantId ?? null,
        projectId: row.projectId,
        events: spec.mapper.toIntegrationEvents(aggregate.pullEvents() as E[]),
        onDuplicate: spec.onDuplicate ? () => spec.onDuplicate!(aggregate) : undefined,
      });
    },
  };
}
