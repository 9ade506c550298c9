import Redis from 'ioredis';
import { TEST_REDIS_URL, withAdmin } from './test-env';

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
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `rcp-test-${run}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    /* Redis may be down in a failure test; nothing to clean then */
  } finally {
    redis.disconnect();
  }
}
