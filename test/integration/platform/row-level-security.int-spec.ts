import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionManager, assertRuntimeLogin, databaseUrls, dataSourceOptions } from '@rcp/persistence';
import { startTestApp, TestApp } from '@rcp/testing';

jest.setTimeout(30_000);

/**
 * Row-level security holds against the connection itself: what an injected statement inside a tenant's
 * transaction could try (leave the role, become another, flip a setting, forge events) gets it nothing.
 */
describe('row-level security against the runtime connection', () => {
  let t: TestApp & { dbUrl: string };
  let owner: Client;
  let tx: TransactionManager;

  beforeAll(async () => {
    // The api role: no relay moves outbox rows behind the test's back.
    t = await startTestApp({ RCP_ROLE: 'api' });
    tx = t.app.get(TransactionManager);
    owner = new Client({ connectionString: t.dbUrl });
    await owner.connect();
    await owner.query(
      `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts)
       VALUES (gen_random_uuid(), 't1', 'rls.probe', 'queued', 1), (gen_random_uuid(), 't2', 'rls.probe', 'queued', 1)`,
    );
    await owner.query(
      `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, action, target_type, result)
       VALUES ('t1', 'rls-probe', 'user', 'probe.write', 'probe', 'allowed'), ('t2', 'rls-probe', 'user', 'probe.write', 'probe', 'allowed')`,
    );
    await owner.query(`INSERT INTO platform.inbox (event_id, handler) VALUES (gen_random_uuid(), 'ProbeHandler')`);
    await owner.query(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head) VALUES (gen_random_uuid(), 'ProbeHandler', 1, 'a', 't2', true)`,
    );
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  const asTenant = <T>(tenantId: string, work: (m: EntityManager) => Promise<T>) => tx.run(work, { tenantId, platform: false });
  const asPlatform = <T>(work: (m: EntityManager) => Promise<T>) => tx.run(work, { tenantId: null, platform: true });

  /**
   * Runs `statements` in a savepoint that is always rolled back, so the transaction goes on whatever they
   * did; returns the rows of the last one, or the error that stopped them.
   */
  const attempt = async (m: EntityManager, ...statements: string[]): Promise<{ rows?: unknown[]; error?: string }> => {
    await m.query('SAVEPOINT probe');
    try {
      let rows: unknown[] = [];
      for (const s of statements) rows = await m.query(s);
      return { rows };
    } catch (err) {
      return { error: (err as Error).message };
    } finally {
      await m.query('ROLLBACK TO SAVEPOINT probe');
    }
  };
  const JOBS = `SELECT tenant_id FROM platform.jobs WHERE name = 'rls.probe' ORDER BY tenant_id`;
  const outboxRow = (tenantId: string, type: string, envelope: Record<string, unknown>) =>
    `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
     VALUES ('${randomUUID()}', '${tenantId}', '${type}', 'Probe', 'p-1', 1, '${JSON.stringify({ type, ...envelope })}'::jsonb)`;

  it('runs tenant work as a login that is not a superuser and may not become anything but rcp_app', async () => {
    const who = await asTenant('t1', (m) =>
      m.query(`SELECT current_user AS role, session_user AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypass, r.rolinherit AS inherit
               FROM pg_roles r WHERE r.rolname = session_user`),
    );
    expect(who).toEqual([{ role: 'rcp_app', login: 'rcp_tenant', superuser: false, bypass: false, inherit: false }]);
    expect(await asTenant('t1', (m) => m.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`))).toEqual([{ rolsuper: false }]);
    const system = await asPlatform((m) => m.query(`SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass FROM pg_roles r WHERE r.rolname = current_user`));
    expect(system).toEqual([{ role: 'rcp_system', superuser: false, bypass: false }]);
  });

  it('keeps a tenant transaction to its tenant whatever it runs: RESET ROLE, SET ROLE, SET SESSION AUTHORIZATION, rcp.platform', async () => {
    await asTenant('t1', async (m) => {
      expect(await attempt(m, JOBS)).toEqual({ rows: [{ tenant_id: 't1' }] });
      // Leaving rcp_app leaves a login with no privileges at all.
      expect(await attempt(m, 'RESET ROLE', JOBS)).toEqual({ error: expect.stringMatching(/permission denied/) });
      expect(await attempt(m, 'SET ROLE NONE', `SELECT tenant_id FROM tenancy.tenant_bindings`)).toEqual({ error: expect.stringMatching(/permission denied/) });
      for (const role of ['postgres', 'rcp_platform', 'rcp_system']) {
        expect(await attempt(m, `SET ROLE ${role}`)).toEqual({ error: expect.stringMatching(/permission denied/) });
      }
      expect(await attempt(m, 'SET SESSION AUTHORIZATION postgres')).toEqual({ error: expect.stringMatching(/permission denied/) });
      // The setting that used to mean "platform" grants nothing.
      expect(await attempt(m, `SELECT set_config('rcp.platform', 'on', true)`, JOBS)).toEqual({ rows: [{ tenant_id: 't1' }] });
      expect(await attempt(m, `SET rcp.platform = 'on'`, `SELECT tenant_id FROM platform.audit_log WHERE actor = 'rls-probe'`)).toEqual({ rows: [{ tenant_id: 't1' }] });
    });
  });

  it("refuses a tenant's outbox row for another tenant, an envelope naming another tenant, and any tenancy event", async () => {
    await asTenant('t1', async (m) => {
      const own = { tenantid: 't1', data: { tenantId: 't1' } };
      expect(await attempt(m, outboxRow('t1', 'rcp.inventory.environment-ready.v1', own))).toEqual({ rows: [] });
      expect(await attempt(m, outboxRow('t2', 'rcp.inventory.environment-ready.v1', { tenantid: 't2' }))).toEqual({ error: expect.stringMatching(/row-level security/) });
      expect(await attempt(m, outboxRow('t1', 'rcp.inventory.environment-ready.v1', { tenantid: 't2' }))).toEqual({ error: expect.stringMatching(/row-level security/) });
      expect(await attempt(m, outboxRow('t1', 'rcp.tenancy.tenant-offboarded.v1', { tenantid: 't1', data: { tenantId: 't2' } }))).toEqual({
        error: expect.stringMatching(/row-level security/),
      });
      expect(await attempt(m, outboxRow('t1', 'rcp.tenancy.tenant-offboarded.v1', own))).toEqual({ error: expect.stringMatching(/row-level security/) });
      // And it cannot read, take or delete what is in the outbox.
      expect(await attempt(m, `SELECT * FROM platform.outbox_events`)).toEqual({ error: expect.stringMatching(/permission denied/) });
    });
  });

  it('gives a tenant transaction no access to the inbox, deliveries, idempotency keys, relay state or relay lease', async () => {
    await asTenant('t1', async (m) => {
      for (const table of ['platform.inbox', 'platform.event_deliveries', 'platform.idempotency_keys', 'platform.relay_state', 'platform.relay_leader']) {
        expect(await attempt(m, `SELECT * FROM ${table}`)).toEqual({ error: expect.stringMatching(/permission denied/) });
      }
      // Nor may it take the relay's leadership or end a relay's session through the lease function.
      expect(await attempt(m, `SELECT * FROM platform.relay_lead(7263002, 'tenant', 1)`)).toEqual({ error: expect.stringMatching(/permission denied/) });
      expect(await attempt(m, `INSERT INTO platform.inbox (event_id, handler) VALUES (gen_random_uuid(), 'X')`)).toEqual({ error: expect.stringMatching(/permission denied/) });
      expect(await attempt(m, `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, action, target_type, result) VALUES ('t2', 'x', 'user', 'forged', 'probe', 'allowed')`)).toEqual({
        error: expect.stringMatching(/row-level security/),
      });
    });
  });

  it('shows platform and system work every tenant, the inbox and the deliveries', async () => {
    await asPlatform(async (m) => {
      expect(await m.query(JOBS)).toEqual([{ tenant_id: 't1' }, { tenant_id: 't2' }]);
      expect((await m.query(`SELECT count(*)::int AS n FROM platform.inbox`))[0].n).toBe(1);
      expect((await m.query(`SELECT count(*)::int AS n FROM platform.event_deliveries`))[0].n).toBe(1);
    });
  });

  it('protects every table outside public, with policies for rcp_app or rcp_platform only, none trusting rcp.platform', async () => {
    const unprotected = await owner.query(
      `SELECT n.nspname || '.' || c.relname AS "table" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND NOT c.relrowsecurity`,
    );
    expect(unprotected.rows).toEqual([]);
    const reachable = await owner.query(
      `SELECT n.nspname || '.' || c.relname AS "table" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('information_schema', 'pg_catalog')
         AND has_table_privilege('rcp_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') AND NOT c.relrowsecurity`,
    );
    expect(reachable.rows).toEqual([]);
    const policies = await owner.query(
      `SELECT schemaname || '.' || tablename AS "table", policyname, roles::text[] AS roles FROM pg_policies
       WHERE NOT (roles <@ ARRAY['rcp_app', 'rcp_platform']::name[]) OR coalesce(qual, '') LIKE '%rcp.platform%' OR coalesce(with_check, '') LIKE '%rcp.platform%'`,
    );
    expect(policies.rows).toEqual([]);
  });

  it('refuses to start on a tenant login that is a superuser or may become the platform role', async () => {
    const urls = databaseUrls({ ...t.settings, DATABASE_URL: t.dbUrl });
    for (const [url, problem] of [
      [t.dbUrl, /postgres \(DATABASE_TENANT_URL\) is a superuser/],
      [urls.system, /rcp_system \(DATABASE_TENANT_URL\) may become rcp_platform/],
    ] as const) {
      const ds = new DataSource(dataSourceOptions(url, 2, []));
      await ds.initialize();
      try {
        await expect(assertRuntimeLogin(ds, 'tenant')).rejects.toThrow(problem);
      } finally {
        await ds.destroy();
      }
    }
  });
});
