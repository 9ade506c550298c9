import { Injectable } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { EntityManager } from 'typeorm';
import { DeliverFrom } from './event-subscriptions';
import { IntegrationEvent } from './integration-event';

type EventClass<E extends IntegrationEvent = IntegrationEvent> = abstract new (...args: never[]) => E;

const ON_METADATA = 'rcp:projection:on';
const READ_MODEL_METADATA = 'rcp:projection:read-model';

/** What a read model declares: its name (how an operator names it to rebuild it) and the tables it owns. */
export interface ReadModelSpec {
  /** `<context>.<what>`, e.g. `inventory.tenants`. */
  name: string;
  /** Every table the projection writes; a rebuild empties them and replays the event log into them. */
  tables: ReadonlyArray<{ readonly name: string }>;
}

/** A projection's declaration as the rebuild finds it. */
export interface ReadModelDeclaration extends ReadModelSpec {
  events: EventClass[];
}

/**
 * Marks the method that applies one event type to the read model: `@On(TenantSuspendedV1) suspended(e) {…}`,
 * or several that it applies alike: `@On(...ENVIRONMENT_STATE_EVENTS) moved(e) {…}`.
 * The class's `@ReadModel` turns the methods into its subscriptions, so an event is declared once.
 */
export function On<E extends IntegrationEvent>(...events: Array<EventClass<E>>) {
  return (target: object, method: string, _descriptor: TypedPropertyDescriptor<(e: E) => Promise<void>>): void => {
    if (events.length === 0) throw new Error(`${target.constructor.name}.${method}: @On needs at least one event type`);
    const table = (Reflect.getOwnMetadata(ON_METADATA, target) as Map<EventClass, string> | undefined) ?? new Map<EventClass, string>();
    for (const event of events) {
      if (table.has(event)) throw new Error(`${target.constructor.name} applies ${event.name} twice`);
      table.set(event, method);
    }
    Reflect.defineMetadata(ON_METADATA, table, target);
  };
}

/**
 * Declares a class as the projection of a local read model: it subscribes to the event types of its
 * `@On` methods (an `@EventsHandler` of them, delivered from the beginning of the retained event log, so
 * a new read model fills itself with history), and it can be rebuilt from `platform.event_log`
 * (`ReadModelRebuilder`). The class extends {@link Projection}.
 */
export function ReadModel(spec: ReadModelSpec): ClassDecorator {
  return (target) => {
    const on = Reflect.getOwnMetadata(ON_METADATA, target.prototype) as Map<EventClass, string> | undefined;
    if (!on?.size) throw new Error(`${target.name} is a @ReadModel without @On methods`);
    const events = [...on.keys()];
    Reflect.defineMetadata(READ_MODEL_METADATA, { ...spec, events } satisfies ReadModelDeclaration, target);
    EventsHandler(...(events as never[]))(target);
    DeliverFrom('beginning')(target);
  };
}

/** The `@ReadModel` declaration of a projection class, if it is one. */
export function readModelOf(cls: unknown): ReadModelDeclaration | undefined {
  return typeof cls === 'function' ? (Reflect.getMetadata(READ_MODEL_METADATA, cls) as ReadModelDeclaration | undefined) : undefined;
}

/**
 * The base of a read model's projection: `handle` calls the `@On` method of the event's type. Each method
 * writes through the {@link ReadModelTable}s, whose writes are idempotent and apply the version guard, so
 * a redelivered or replayed event changes nothing and an event older than what a row reflects is ignored.
 */
@Injectable()
export abstract class Projection implements IEventHandler<IntegrationEvent> {
  constructor(protected readonly tx: TransactionManager) {}

  async handle(event: IntegrationEvent): Promise<void> {
    const on = Reflect.getMetadata(ON_METADATA, Object.getPrototypeOf(this)) as Map<EventClass, string>;
    const method = on.get(event.constructor as EventClass);
    if (!method) throw new Error(`${this.constructor.name} has no @On method for ${event.constructor.name}`);
    await (this as unknown as Record<string, (e: IntegrationEvent) => Promise<void>>)[method](event);
  }

  /** The transaction's manager, for the table helpers. */
  protected get db(): EntityManager {
    return this.tx.manager();
  }
}

/** The source aggregate version an event carries: what the version guard compares. */
export function sourceVersionOf(event: IntegrationEvent): number {
  const v = event.meta?.aggregateversion;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${event.constructor.name} has no aggregate version: a read model cannot guard by it`);
  return v;
}

export interface ReadModelTableSpec<Row> {
  /** `<schema>.<table>`. */
  table: string;
  /** The key columns (property names). */
  key: readonly (keyof Row & string)[];
  /** Columns stored as `jsonb` (their values are written as JSON). */
  json?: readonly (keyof Row & string)[];
  /**
   * Keeps `source_version`, the aggregate version each row reflects: an upsert or patch from an older
   * event is ignored. Events of the same version (one save may record several, e.g. isolation and
   * quotas changed together) all apply, in their order; a redelivered one sets the same values again. Without it (a table fed by several subjects), writes are applied as they come:
   * they must be idempotent and commutative (set a flag, delete a row).
   */
  versioned: boolean;
}

/** `camelCase` property → `snake_case` column. */
const column = (property: string) => property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * One read-model table and the only writes a projection needs, each written once here: upsert, patch and
 * delete, by key, with the version guard applied when the table is `versioned`. Values are bound
 * parameters; only the declared (code-defined) table and column names are part of the SQL.
 */
export class ReadModelTable<Row extends Record<string, unknown>> {
  constructor(readonly spec: ReadModelTableSpec<Row>) {}

  get name(): string {
    return this.spec.table;
  }

  /** Inserts the row, or updates it where it exists (and, when versioned, does not reflect a newer version). */
  async upsert(db: EntityManager, row: Row, version?: number): Promise<void> {
    const props = Object.keys(row).filter((p) => row[p] !== undefined);
    const params = props.map((p) => this.value(p, row[p]));
    const cols = props.map(column);
    const keys = this.spec.key.map(column);
    if (this.spec.versioned) {
      cols.push('source_version');
      params.push(this.requireVersion(version));
    }
    const updates = cols.filter((c) => !keys.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
    const guard = this.spec.versioned ? ` WHERE ${this.spec.table}.source_version <= EXCLUDED.source_version` : '';
    const onConflict = updates.length ? `DO UPDATE SET ${[...updates, 'updated_at = now()'].join(', ')}${guard}` : 'DO NOTHING';
    await db.query(
      `INSERT INTO ${this.spec.table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (${keys.join(', ')}) ${onConflict}`,
      params,
    );
  }

  /** Inserts the row only if no row has its key (a fact that must not overwrite a later one). */
  async insertIfAbsent(db: EntityManager, row: Row, version?: number): Promise<void> {
    const props = Object.keys(row).filter((p) => row[p] !== undefined);
    const params = props.map((p) => this.value(p, row[p]));
    const cols = props.map(column);
    if (this.spec.versioned) {
      cols.push('source_version');
      params.push(this.requireVersion(version));
    }
    await db.query(
      `INSERT INTO ${this.spec.table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (${this.spec.key.map(column).join(', ')}) DO NOTHING`,
      params,
    );
  }

  /** Changes some columns of an existing row (none if it does not exist, or reflects a newer version). */
  async patch(db: EntityManager, key: Partial<Row>, changes: Partial<Row>, version?: number): Promise<void> {
    const missing = this.spec.key.filter((k) => key[k] === undefined);
    if (missing.length) throw new Error(`a patch of ${this.spec.table} names its row by the whole key (missing ${missing.join(', ')})`);
    const props = Object.keys(changes).filter((p) => changes[p] !== undefined);
    const params: unknown[] = props.map((p) => this.value(p, changes[p]));
    const sets = props.map((p, i) => `${column(p)} = $${i + 1}`);
    const where = this.where(key as Partial<Row>, params);
    if (this.spec.versioned) {
      const v = `$${params.push(this.requireVersion(version))}`;
      sets.push(`source_version = ${v}`);
      where.push(`source_version <= ${v}`);
    }
    await db.query(`UPDATE ${this.spec.table} SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE ${where.join(' AND ')}`, params);
  }

  /** Deletes the rows matching `match` (the key, or a prefix of it). */
  async delete(db: EntityManager, match: Partial<Row>): Promise<void> {
    const params: unknown[] = [];
    const where = this.where(match, params);
    if (!where.length) throw new Error(`a delete from ${this.spec.table} must match something`);
    await db.query(`DELETE FROM ${this.spec.table} WHERE ${where.join(' AND ')}`, params);
  }

  private where(match: Partial<Row>, params: unknown[]): string[] {
    return Object.keys(match)
      .filter((p) => match[p] !== undefined)
      .map((p) => `${column(p)} = $${params.push(this.value(p, match[p]))}`);
  }

  private value(property: string, value: unknown): unknown {
    return this.spec.json?.includes(property as keyof Row & string) ? JSON.stringify(value) : value;
  }

  private requireVersion(version: number | undefined): number {
    if (version === undefined) throw new Error(`${this.spec.table} is versioned: a write must say which source version it reflects`);
    return version;
  }
}
