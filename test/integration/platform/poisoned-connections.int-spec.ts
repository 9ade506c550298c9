import { Pool } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { DbScope, pgCode } from '@rcp/persistence';
import { SpineApp, delay, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);

const TENANT: DbScope = { tenantId: 'tenant-a', platform: false };
const PLATFORM: DbScope = { tenantId: null, platform: true };

/**
 * Item 2 of issue 11: any failure at any point of a transaction (its opening statement, its work, its
 * COMMIT or ROLLBACK) leaves the pooled connection clean or destroys it. A connection that went back to
 * the pool inside an aborted transaction answered "current transaction is aborted" to every later user,
 * forever (an api answering 500 to everything, a worker failing six times a second).
 */
describe('a failed transaction never poisons a pooled connection', () => {
  let t: SpineApp;
  /** The test's own connections as the owner (several: the storm's loops query at once). */
  let admin: Pool;
  // Two connections per pool, so every test reaches every connection of both pools.
  beforeAll(async () => {
    t = await startSpineApp({ RCP_ROLE: 'api', DB_POOL_SIZE: '2' });
    admin = new Pool({ connectionString: t.dbUrl, max: 4, application_name: 'rcp-test-admin' });
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  /** The app's backends (both pools; application_name `rcp`) and their states. */
  const appBackends = async () =>
    (
      await admin.query<{ pid: number; state: string }>(
        `SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcp' AND pid <> pg_backend_pid()`,
      )
    ).rows;

  /** Runs many small transactions at once in one scope (more than the pool has connections); returns the errors. */
  const errorsOfMany = async (scope: DbScope, n = 30): Promise<string[]> => {
    const results = await Promise.allSettled(
      Array.from({ length: n }, () => t.tx.run((m) => m.query(`SELECT current_setting('rcp.tenant_id') AS tenant, pg_backend_pid() AS pid`), scope)),
    );
    return results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  };

  const expectEveryConnectionWorks = async () => {
    expect((await appBackends()).filter((b) => b.state.startsWith('idle in transaction'))).toEqual([]);
    expect(await errorsOfMany(TENANT)).toEqual([]);
    expect(await errorsOfMany(PLATFORM)).toEqual([]);
  };

  it('rolls back a transaction whose opening statement failed after BEGIN, in both pools', async () => {
    // A tenant id that is not a plain identifier takes the parameterised way (BEGIN, then set_config($1));
    // a NUL character makes Postgres refuse that second statement with the transaction already open.
    for (const scope of [TENANT, PLATFORM]) {
      for (let i = 0; i < 4; i++) {
        const err = await t.tx.run((m) => m.query('SELECT 1'), { ...scope, tenantId: 'bad\u0000tenant' }).catch((e: unknown) => e);
        expect(pgCode(err)).toBe('22021');
      }
    }
    await expectEveryConnectionWorks();
  });

  it('destroys a connection whose ROLLBACK failed instead of handing it to the next transaction', async () => {
    // A ROLLBACK that fails with the session still up (cancelled before it ran) cannot be produced on
    // demand: this runner loses its ROLLBACK on the way, leaving the session in its aborted transaction.
    const tenantDs = t.tx.tenantDataSource as DataSource;
    const create = tenantDs.createQueryRunner.bind(tenantDs);
    const spy = jest.spyOn(tenantDs, 'createQueryRunner').mockImplementation((...args) => {
      const runner: QueryRunner = create(...args);
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, ...rest: unknown[]) =>
        sql === 'ROLLBACK' ? Promise.reject(new Error('canceling statement due to user request')) : query(sql, ...(rest as []))) as QueryRunner['query'];
      return runner;
    });
    try {
      for (let i = 0; i < 4; i++) {
        const err = await t.tx.run((m) => m.query('SELECT 1 / 0'), TENANT).catch((e: unknown) => e);
        expect(pgCode(err)).toBe('22012');
      }
    } finally {
      spy.mockRestore();
    }
    await expectEveryConnectionWorks();
  });

  it('gives back the connection of a readiness probe whose query failed (the pool is never drained by /readyz)', async () => {
    const readyz = async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    // The probe's migration check fails, as a cancelled statement would, on every probe: more failures than connections.
    await admin.query(`REVOKE SELECT ON migrations FROM rcp_platform`);
    try {
      for (let i = 0; i < 6; i++) expect(await readyz()).toBe(503);
    } finally {
      await admin.query(`GRANT SELECT ON migrations TO rcp_platform`);
    }
    expect(await readyz()).toBe(200);
    // A drained pool makes a transaction wait forever for a connection: bound the wait to tell.
    let timer: NodeJS.Timeout | undefined;
    const noConnection = new Promise<string[]>((r) => (timer = setTimeout(() => r(['no connection within 10 s']), 10_000)));
    expect(await Promise.race([errorsOfMany(PLATFORM), noConnection]).finally(() => clearTimeout(timer))).toEqual([]);
  });

  it('survives a storm of pg_cancel_backend on its backends: afterwards every connection works and no command is half-written', async () => {
    const widgets = Array.from({ length: 4 }, (_, i) => `storm-${i}`);
    const versions = new Map(widgets.map((w) => [w, 0]));
    const errors: string[] = [];
    let storming = true;
    let cancels = 0;

    const writer = async (widgetId: string) => {
      while (storming) {
        try {
          versions.set(widgetId, await t.change({ widgetId, expectedVersion: versions.get(widgetId)! }));
        } catch (err) {
          errors.push(String((err as Error).message));
          // A cancelled COMMIT may still have committed: continue from what the database holds.
          const [row] = (await admin.query<{ version: number }>(`SELECT version FROM spine_test.widgets WHERE id = $1`, [widgetId])).rows;
          versions.set(widgetId, row?.version ?? 0);
        }
      }
    };
    const reader = async (scope: DbScope) => {
      while (storming) {
        await t.tx.run((m) => m.query(`SELECT count(*) AS n FROM spine_test.widgets`), scope).catch((err: Error) => errors.push(err.message));
      }
    };
    const canceller = async () => {
      while (storming) {
        const res = await admin.query(
          `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcp' AND pid <> pg_backend_pid()`,
        );
        cancels += res.rowCount ?? 0;
        await delay(1 + Math.random() * 3);
      }
    };

    const running = [...widgets.map(writer), reader(TENANT), reader(PLATFORM), reader(TENANT), canceller()];
    await delay(4000);
    storming = false;
    await Promise.all(running);

    expect(cancels).toBeGreaterThan(100);
    expect(errors.some((e) => /canceling statement due to user request/.test(e))).toBe(true);
    await expectEveryConnectionWorks();

    // Every command committed whole or not at all: the widget's version, its events and its audit rows agree.
    for (const widgetId of widgets) {
      const [row] = (await admin.query<{ version: number }>(`SELECT version FROM spine_test.widgets WHERE id = $1`, [widgetId])).rows;
      const version = row?.version ?? 0;
      const events = (
        await admin.query<{ v: number }>(`SELECT aggregate_version AS v FROM platform.outbox_events WHERE aggregate_id = $1 ORDER BY aggregate_version`, [widgetId])
      ).rows.map((r) => r.v);
      const audits = Number((await admin.query(`SELECT count(*) AS n FROM platform.audit_log WHERE action = 'widget.change' AND target_id = $1`, [widgetId])).rows[0].n);
      expect({ widgetId, events, audits }).toEqual({ widgetId, events: Array.from({ length: version }, (_, i) => i + 1), audits: version });
      // And the widget still takes commands.
      await expect(t.change({ widgetId, expectedVersion: version })).resolves.toBe(version + 1);
    }
  });
});
