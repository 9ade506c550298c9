import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/** The columns of an entity's table, read once per entity from TypeORM's metadata. */
interface EntityTable<Row> {
  table: string;
  fromRaw(raw: Record<string, unknown>): Row;
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
    table = {
      table: meta.tablePath,
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
