import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

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

export function dataSourceOptions(url: string, poolSize: number, migrations: DataSourceOptions['migrations']): DataSourceOptions {
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
    extra: { max: poolSize, application_name: 'rcp' },
  } as DataSourceOptions;
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
