import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../../persistence/src/database';
import { MIGRATIONS } from '../../../migrations';
import { dbUrl, randomId, withAdmin } from './test-env';

/**
 * Once per `jest` run: creates `rcp_test_<run>_tpl`, applies every migration to it, and publishes its
 * name; each test file then clones it (`CREATE DATABASE … TEMPLATE`), so files never share state and
 * the migrations run once. Every project shares the one template.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.RCP_TEST_TEMPLATE_DB) return;
  const run = randomId(4);
  const template = `rcp_test_${run}_tpl`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${template}`));
  const ds = new DataSource(dataSourceOptions(dbUrl(template), 2, MIGRATIONS));
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
  process.env.RCP_TEST_RUN = run;
  process.env.RCP_TEST_TEMPLATE_DB = template;
}
