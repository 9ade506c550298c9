import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Statement } from './inline-sql';

/** The columns of an entity's table, read once per entity from TypeORM's metadata. */
interface EntityTable<Row> {
  table: string;
  fromRaw(raw: Record<string, unknown>): Row;
  /**
   * `INSERT … ON CONFLICT DO NOTHING RETURNING 1`: a row back means inserted, none means a unique key of
   * the table is taken (the transaction stays usable: no savepoint needed). Columns left undefined get
   * their default.
   */
  insert(row: Partial<Row>): Statement;
  /** The database name of a column named by its database name or its entity property. */
  column(name: string): string;
  /** `UPDATE … SET <every defined column> WHERE <idColumn> = id AND version = loaded RETURNING 1`: no row back means a version conflict. */
  updateVersioned(row: Partial<Row>, idColumn: string, id: unknown, loaded: number): Statement;
}

const tables = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, EntityTable<ObjectLiteral>>>();

/**
 * An entity's table and how to turn one of its raw rows (as `query()` answers them, by column name) into
 * the entity, exactly as TypeORM hydrates it (its driver's `prepareHydratedValue` for every column: types
 * and transformers), without building a query: for statements written in SQL on hot paths (`SELECT *
 * FROM <table> …`, sent in one round trip with others) whose rows the usual mappers take.
 */
export function entityTable<Row extends ObjectLiteral>(ds: DataSource, entity: EntityTarget<Row>): EntityTable<Row> {
  let byEntity = tables.get(ds);
  if (!byEntity) tables.set(ds, (byEntity = new Map()));
  let table = byEntity.get(entity as EntityTarget<ObjectLiteral>) as EntityTable<Row> | undefined;
  if (!table) {
    const meta = ds.getMetadata(entity);
    const columns = meta.columns.filter((c) => !c.isVirtual && !c.relationMetadata);
    /** The columns `row` defines, with their values converted as TypeORM converts them for writing. */
    const written = (row: Partial<Row>) =>
      columns.flatMap((column) => {
        const value = column.getEntityValue(row);
        return value === undefined ? [] : [{ column: column.databaseName, value: ds.driver.preparePersistentValue(value, column) as unknown }];
      });
    const column = (name: string): string => {
      const found = columns.find((c) => c.databaseName === name) ?? columns.find((c) => c.propertyName === name);
      if (!found) throw new Error(`${meta.tablePath} has no column or property ${name}`);
      return found.databaseName;
    };
    table = {
      table: meta.tablePath,
      column,
      insert(row) {
        const values = written(row);
        return {
          sql: `INSERT INTO ${meta.tablePath} (${values.map((v) => v.column).join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
          params: values.map((v) => v.value),
        };
      },
      updateVersioned(row, idName, id, loaded) {
        const idColumn = column(idName);
        const values = written(row).filter((v) => v.column !== idColumn);
        const n = values.length;
        return {
          sql: `UPDATE ${meta.tablePath} SET ${values.map((v, i) => `${v.column} = $${i + 1}`).join(', ')} WHERE ${idColumn} = $${n + 1} AND version = $${n + 2} RETURNING 1 AS updated`,
          params: [...values.map((v) => v.value), id, loaded],
        };
      },
      fromRaw(raw) {
        const row = meta.create() as Row;
        for (const column of columns) {
          const value = raw[column.databaseName];
          if (value === undefined) continue;
          column.setEntityValue(row, ds.driver.prepareHydratedValue(value, column));
        }
        return row;
      },
    };
    byEntity.set(entity as EntityTarget<ObjectLiteral>, table as EntityTable<ObjectLiteral>);
  }
  return table;
}
