/**
 * `npm run migration:run` applies pending migrations (creating the database if missing), under the
 * same advisory lock the app takes at start; `npm run migration:revert` undoes the last one.
 */
import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { DataSource } from 'typeorm';
import { loadSettings } from '../libs/config/src/settings';
import { dataSourceOptions, ensureDatabase, runMigrations } from '../libs/persistence/src/database';
import { databaseUrls, setRuntimeLoginPasswords } from '../libs/persistence/src/db-roles';
import { MIGRATIONS } from '../migrations';

async function main(command: string | undefined): Promise<void> {
  loadDotenv({ quiet: true } as never);
  const settings = loadSettings();
  if (command !== 'run' && command !== 'revert') throw new Error('usage: migrate.ts run|revert');
  await ensureDatabase(settings.DATABASE_URL);
  const ds = new DataSource(dataSourceOptions(settings.DATABASE_URL, 2, MIGRATIONS));
  await ds.initialize();
  try {
    if (command === 'run') {
      const applied = await runMigrations(ds, (owner) => setRuntimeLoginPasswords(owner, databaseUrls(settings)));
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
    } else {
      await ds.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    }
  } finally {
    await ds.destroy();
  }
}

main(process.argv[2]).catch((err: Error) => {
  console.error(`migrate: ${err.message}`);
  process.exit(1);
});
