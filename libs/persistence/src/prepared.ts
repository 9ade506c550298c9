import { EntityManager } from 'typeorm';

interface PgClient {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a statement as a named prepared statement on the transaction's connection: Postgres parses and
 * plans it once per connection instead of once per call. For the few hot statements that run once per
 * unit of work (a delivery's claim); `name` must be unique per statement text.
 */
export async function preparedQuery<R>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  const client = (manager.queryRunner as unknown as { databaseConnection?: PgClient } | undefined)?.databaseConnection;
  if (!client) throw new Error('preparedQuery needs a manager bound to a connection (inside TransactionManager.run)');
  return (await client.query<R>({ name, text, values })).rows;
}
