import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { DbScope, dataSourceOptions, pgCode } from '@rcp/persistence';
import { SpineApp, delay, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);

const TENANT: DbScope = { tenantId: 'tenant-a', platform: false };
const PLATFORM: DbScope = { tenantId: null, platform: true };

/**
 * The database-side backstop of issue 11 (item 1): Postgres itself ends a statement that runs too long
 * (DB_STATEMENT_TIMEOUT_MS) and a transaction left idle too long (DB_IDLE_IN_TRANSACTION_TIMEOUT_MS) on
 * both runtime pools, whatever the application does; the pools recover from both. The owner's connection,
 * which migrates, has no such limit.
 */
describe('database-side time limits', () => {
  let t: SpineApp;
  let admin: Pool;
  beforeAll(async () => {
    t = await startSpineApp({
      RCP_ROLE: 'api',
      DB_POOL_SIZE: '2',
      DB_STATEMENT_TIMEOUT_MS: '500',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '800',
      EXECUTOR_TIMEOUT_MS: '100',
    });
    admin = new Pool({ connectionString: t.dbUrl, max: 2, application_name: 'rcp-test-admin' });
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  const appBackends = async () =>
    (await admin.query<{ pid: number; state: string }>(`SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcp'`)).rows;

  /** Many small transactions at once (more than the pool's connections) in one scope; their errors. */
  const errorsOfMany = async (scope: DbScope, n = 20): Promise<string[]> => {
    const results = await Promise.allSettled(Array.from({ length: n }, () => t.tx.run((m) => m.query(`SELECT 1`), scope)));
    return results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  };

  it('sets both limits on every connection of both pools, and none on the owner\'s (migration) connection', async () => {
    const limits = `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`;
    for (const scope of [TENANT, PLATFORM]) {
      await expect(t.tx.run((m) => m.query(limits), scope)).resolves.toEqual([{ statement: '500ms', idle: '800ms' }]);
    }
    // The owner's DataSource as bootstrap and scripts/migrate.ts build it.
    const owner = new DataSource(dataSourceOptions(t.dbUrl, 2, []));
    await owner.initialize();
    try {
      expect(await owner.query(limits)).toEqual([{ statement: '0', idle: '0' }]);
    } finally {
      await owner.destroy();
    }
  });

  it('cancels a statement that runs longer than DB_STATEMENT_TIMEOUT_MS with a clean error, and the connection serves the next transaction', async () => {
    for (const scope of [TENANT, PLATFORM]) {
      const err = await t.tx.run((m) => m.query(`SELECT pg_sleep(5)`), scope).catch((e: unknown) => e);
      expect(pgCode(err)).toBe('57014');
      expect((err as Error).message).toMatch(/statement timeout/);
      expect(await errorsOfMany(scope)).toEqual([]);
    }
  });

  it('ends a transaction left idle longer than DB_IDLE_IN_TRANSACTION_TIMEOUT_MS, and the pool recovers', async () => {
    for (const scope of [TENANT, PLATFORM]) {
      let pid = 0;
      const err = await t.tx
        .run(async (m) => {
          [{ pid }] = await m.query(`SELECT pg_backend_pid() AS pid`);
          await delay(2000); // e.g. a hung handler holding its transaction
          await m.query(`SELECT 1`);
        }, scope)
        .catch((e: unknown) => e);
      expect(pgCode(err)).toBe('25P03');
      expect((err as Error).message).toMatch(/idle-in-transaction timeout/);
      expect((await appBackends()).map((b) => b.pid)).not.toContain(pid);
      expect(await errorsOfMany(scope)).toEqual([]);
    }
    expect((await appBackends()).filter((b) => b.state.startsWith('idle in transaction'))).toEqual([]);
  });
});
