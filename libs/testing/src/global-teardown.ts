import { deleteRedisKeys } from './redis';
import { withAdmin } from './test-env';

/** Drops every database and Redis key of this run. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.RCP_TEST_RUN;
  if (!run || process.env.RCP_TEST_TORN_DOWN) return;
  process.env.RCP_TEST_TORN_DOWN = '1';
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`rcp_test_${run}_%`]);
    for (const r of rows) {
      await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    }
  });
  try {
    await deleteRedisKeys(`rcp-test-${run}-*`);
  } catch {
    /* Redis may be down in a failure test; nothing to clean then */
  }
}
