import { Injectable } from '@nestjs/common';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { AggregateRoot, ConcurrentModificationError, DomainError } from '@rcp/ddd';
import { TransactionManager, entityTable, rowsOf } from '@rcp/persistence';
import { IntegrationEvent } from './integration-event';
import { OutboxWriter } from './outbox-writer';

export interface StoreRequest<E extends ObjectLiteral> {
  aggregate: AggregateRoot;
  /** e.g. `RuntimeTenantBinding`; written to the outbox row. */
  aggregateType: string;
  /**
   * The subject its events are published under, when that is not the aggregate's id: an aggregate keyed
   * by another's id (a service inventory by its environment's) needs its own, so each subject has one
   * version line.
   */
  subject?: string;
  entity: EntityTarget<E>;
  /** The full row to write, without `version` (the store sets it). */
  row: Omit<E, 'version'>;
  tenantId: string | null;
  projectId?: string | null;
  /** The aggregate's pulled domain events, already mapped to their published form. */
  events: IntegrationEvent[];
  /**
   * Raised when inserting a new aggregate hits a unique key of its table (e.g. a duplicate id or name);
   * without it, `concurrent_modification` (the aggregate was created concurrently).
   */
  onDuplicate?: () => DomainError;
  idColumn?: string;
}

/**
 * Saves one aggregate the way every repository must: inserts a new one or updates an existing one
 * guarded by `WHERE version = :loaded` (0 rows → `concurrent_modification`; a new aggregate whose key is
 * taken → its `onDuplicate` error or `concurrent_modification`), and appends its events to
 * the outbox with the new version, all in the caller's transaction. Repositories of every context use it,
 * so the optimistic-concurrency and outbox rules live in one place.
 */
@Injectable()
export class AggregateStore {
  constructor(
    private readonly tx: TransactionManager,
    private readonly outbox: OutboxWriter,
  ) {}

  async save<E extends ObjectLiteral>(req: StoreRequest<E>): Promise<void> {
    const m = this.tx.manager();
    const next = req.aggregate.nextVersion;
    const row = { ...req.row, version: next } as unknown as E;
    const idColumn = req.idColumn ?? 'id';
    const table = entityTable(this.tx.dataSource, req.entity);
    if (req.aggregate.isNew) {
      // ON CONFLICT DO NOTHING: a taken key (the aggregate's id, or another unique key of its table such
      // as a name) answers no row instead of aborting the transaction, so no savepoint is needed.
      const { sql, params } = table.insert(row);
      const inserted = rowsOf(await m.query(sql, params as unknown[]));
      if (!inserted.length) throw req.onDuplicate ? req.onDuplicate() : new ConcurrentModificationError(req.aggregateType, req.aggregate.id);
    } else {
      const { sql, params } = table.updateVersioned(row, idColumn, req.aggregate.id, req.aggregate.version);
      const updated = rowsOf(await m.query(sql, params as unknown[]));
      if (!updated.length) throw new ConcurrentModificationError(req.aggregateType, req.aggregate.id);
    }
    this.tx.noteProject(req.projectId);
    await this.outbox.append({
      aggregateType: req.aggregateType,
      aggregateId: req.subject ?? req.aggregate.id,
      aggregateVersion: next,
      tenantId: req.tenantId,
      projectId: req.projectId,
      events: req.events,
    });
    req.aggregate.markPersisted(next);
  }
}
