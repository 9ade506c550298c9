import { Client } from 'pg';
import { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';

/** Creates the database named in the URL when it does not exist (so `npm start` needs no setup). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`Database name ${name} must be letters, digits or underscores`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently by another replica
      }
    }
  } finally {
    await client.end();
  }
}

/** Limits Postgres enforces on every session of a pool, in milliseconds; 0 leaves the server's own setting. */
export interface SessionLimits {
  /** `statement_timeout`: a longer statement is cancelled (error 57014); its transaction is rolled back. */
  statementTimeoutMs: number;
  /** `idle_in_transaction_session_timeout`: a transaction idle this long is ended by closing its session. */
  idleInTransactionTimeoutMs: number;
}

/**
 * Options of one pool. The runtime pools pass `limits`, the database-side backstop behind the
 * application's own time limits (a hung handler's transaction, a runaway query); the owner's
 * connection, which migrates (and may build an index for minutes), passes none.
 */
export function dataSourceOptions(url: string, poolSize: number, migrations: DataSourceOptions['migrations'], limits?: SessionLimits): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    entities: [],
    synchronize: false,
    // Never on: TypeORM would log each query with its bound parameters (tenant data, hashed keys). Failures
    // reach the logs through the problem filter, whose error serializer drops the parameters.
    logging: false,
    uuidExtension: 'pgcrypto',
    extra: {
      max: poolSize,
      application_name: 'rcp',
      // Sent in the startup message (pg skips a 0, which leaves the server's setting).
      ...(limits && { statement_timeout: limits.statementTimeoutMs, idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs }),
    },
  } as DataSourceOptions;
}

/**
 * Gives a query runner's connection back to the pool; with `err` the pool closes it instead, for a
 * connection whose state is unknown (its ROLLBACK failed) must never serve another transaction.
 * TypeORM's Postgres runner does this in `releasePostgresConnection(err)`, private in its typings.
 */
export function releaseConnection(runner: QueryRunner, err?: Error): Promise<void> {
  return (runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }).releasePostgresConnection(err);
}

/**
 * Applies pending migrations under an advisory lock, so replicas starting together migrate once; `then`
 * runs under the same lock (e.g. setting the runtime logins' passwords). `ds` connects as the owner.
 */
export async function runMigrations(ds: DataSource, then?: (ds: DataSource) => Promise<void>): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(7263001)');
    const done = await ds.runMigrations({ transaction: 'each' });
    await then?.(ds);
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(7263001)').catch(() => undefined);
    await runner.release();
  }
}
