import { dbUrl, randomId, withAdmin } from './test-env';

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const template = process.env.RCP_TEST_TEMPLATE_DB;
  const run = process.env.RCP_TEST_RUN;
  if (!template || !run) throw new Error('The jest globalSetup of libs/testing did not run');
  const name = `rcp_test_${run}_${randomId(4)}`;
  await withAdmin(async (c) => {
    for (let i = 0; ; i++) {
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        // Two files cloning the template at the same instant: "source database is being accessed by other users".
        if ((err as { code?: string }).code !== '55006' || i > 50) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return { name, url: dbUrl(name), drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** The Redis key prefix for one test file of this run (deleted by the global teardown). */
export function testRedisPrefix(): string {
  return `rcp-test-${process.env.RCP_TEST_RUN}-${randomId(3)}`;
}
