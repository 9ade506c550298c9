import { Client } from 'pg';
import { TransactionManager } from '@rcp/persistence';
import { startTestApp, TestApp } from '@rcp/testing';

jest.setTimeout(30_000);

/**
 * The hot paths' shortcuts keep the guarantees of a transaction: a read in one round trip
 * (`readInOneTrip`: scope and statements in one simple-protocol message) is held by row-level security
 * and leaves nothing on the pooled connection; writes sent with COMMIT (`deferToCommit`) commit or roll
 * back with the transaction and with its savepoints.
 */
describe('one round trip: scoped reads and writes sent with COMMIT', () => {
  let t: TestApp & { dbUrl: string };
  let owner: Client;
  let tx: TransactionManager;

  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api' });
    tx = t.app.get(TransactionManager);
    owner = new Client({ connectionString: t.dbUrl });
    await owner.connect();
    await owner.query(
      `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts)
       VALUES (gen_random_uuid(), 'one-a', 'one.probe', 'queued', 1), (gen_random_uuid(), 'one-b', 'one.probe', 'queued', 1)`,
    );
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  const tenant = (tenantId: string) => ({ tenantId, platform: false });
  const probes = { sql: `SELECT tenant_id FROM platform.jobs WHERE name = $1 ORDER BY tenant_id`, params: ['one.probe'] };

  it('reads in the tenant\'s scope: row-level security hides the other tenant\'s rows, the platform sees both', async () => {
    expect((await tx.readInOneTrip([probes], tenant('one-a')))[0]).toEqual([{ tenant_id: 'one-a' }]);
    expect((await tx.readInOneTrip([probes], tenant('one-b')))[0]).toEqual([{ tenant_id: 'one-b' }]);
    expect((await tx.readInOneTrip([probes], { tenantId: null, platform: true }))[0]).toEqual([{ tenant_id: 'one-a' }, { tenant_id: 'one-b' }]);
    // Asking for the other tenant's rows by name changes nothing.
    const named = { sql: `SELECT tenant_id FROM platform.jobs WHERE name = $1 AND tenant_id = $2`, params: ['one.probe', 'one-b'] };
    expect((await tx.readInOneTrip([named], tenant('one-a')))[0]).toEqual([]);
  });

  it('answers the rows of each statement in order, with values that would break a hand-quoted literal', async () => {
    const tricky = "o'ne\\'; SELECT 1; --";
    const [echo, none, count] = await tx.readInOneTrip(
      [
        { sql: 'SELECT $1::text AS v, $2::text[] AS a, $3::jsonb AS j', params: [tricky, ["it's", 'b"c'], { k: tricky }] },
        { sql: 'SELECT 1 WHERE false' },
        { sql: `SELECT count(*)::int AS n FROM platform.jobs WHERE name = $1`, params: ['one.probe'] },
      ],
      tenant('one-a'),
    );
    expect(echo).toEqual([{ v: tricky, a: ["it's", 'b"c'], j: { k: tricky } }]);
    expect(none).toEqual([]);
    expect(count).toEqual([{ n: 1 }]);
  });

  it('leaves neither the role nor the tenant on the pooled connection, and a failed statement leaves it usable', async () => {
    // Every connection of the tenant login's pool is checked: whichever served the reads must be clean.
    await expect(tx.readInOneTrip([{ sql: 'SELECT 1/0' }], tenant('one-a'))).rejects.toThrow(/division by zero/);
    for (let i = 0; i < 5; i++) await tx.readInOneTrip([probes], tenant('one-a'));
    const pool = (tx.tenantDataSource.driver as unknown as { master: import('pg').Pool }).master;
    const clients = await Promise.all(Array.from({ length: Math.min(3, pool.totalCount || 1) }, () => pool.connect()));
    try {
      for (const c of clients) {
        const { rows } = await c.query(`SELECT current_user AS who, current_setting('rcp.tenant_id', true) AS tenant, current_setting('role') AS role`);
        expect(rows[0].tenant ?? '').toBe('');
        expect(rows[0].role).toBe('none');
        expect(rows[0].who).not.toBe('rcp_app');
      }
    } finally {
      for (const c of clients) c.release();
    }
  });

  it('inside a transaction, joins it: the reads see its uncommitted writes', async () => {
    const seen = await tx.run(async (m) => {
      await m.query(`INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts) VALUES (gen_random_uuid(), 'one-a', 'one.inside', 'queued', 1)`);
      return tx.readInOneTrip([{ sql: `SELECT count(*)::int AS n FROM platform.jobs WHERE name = $1`, params: ['one.inside'] }]);
    }, tenant('one-a'));
    expect(seen[0]).toEqual([{ n: 1 }]);
  });

  const audited = async (action: string) => Number((await owner.query(`SELECT count(*) AS n FROM platform.audit_log WHERE action = $1`, [action])).rows[0].n);
  const auditRow = (action: string) => ({
    sql: `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, action, target_type, result, details) VALUES ($1, 'probe', 'user', $2, 'probe', 'allowed', $3::jsonb)`,
    params: [null, action, { note: "it's deferred" }],
  });

  it('sends deferred writes with COMMIT: nothing is written before, everything with it', async () => {
    await tx.run(async () => {
      await tx.deferToCommit(auditRow('probe.deferred'));
      expect(await audited('probe.deferred')).toBe(0);
    }, { tenantId: null, platform: true });
    expect(await audited('probe.deferred')).toBe(1);
  });

  it('drops deferred writes when the work fails, or when the savepoint they were made in rolls back', async () => {
    await expect(
      tx.run(async () => {
        await tx.deferToCommit(auditRow('probe.failed-work'));
        throw new Error('the work failed');
      }, { tenantId: null, platform: true }),
    ).rejects.toThrow('the work failed');
    expect(await audited('probe.failed-work')).toBe(0);

    await tx.run(async () => {
      await tx.deferToCommit(auditRow('probe.kept'));
      await expect(
        tx.savepoint('probe', async () => {
          await tx.deferToCommit(auditRow('probe.rolled-back'));
          throw new Error('rolled back to the savepoint');
        }),
      ).rejects.toThrow();
    }, { tenantId: null, platform: true });
    expect(await audited('probe.kept')).toBe(1);
    expect(await audited('probe.rolled-back')).toBe(0);
  });

  it('rolls the whole transaction back when a deferred write fails at COMMIT', async () => {
    await expect(
      tx.run(async (m) => {
        await m.query(`INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts) VALUES (gen_random_uuid(), null, 'one.doomed', 'queued', 1)`);
        await tx.deferToCommit({ sql: `INSERT INTO platform.audit_log (actor, actor_kind, action, target_type, result) VALUES ('probe', 'user', 'probe.bad', 'probe', $1)`, params: ['not-a-result'] });
      }, { tenantId: null, platform: true }),
    ).rejects.toThrow(/check constraint/);
    expect(Number((await owner.query(`SELECT count(*) AS n FROM platform.jobs WHERE name = 'one.doomed'`)).rows[0].n)).toBe(0);
  });

  it('sends the deferred writes at once when asked (flushDeferred), so the work can read them before it commits', async () => {
    await tx.run(async (m) => {
      await tx.deferToCommit(auditRow('probe.flushed'));
      await tx.flushDeferred();
      expect((await m.query(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'probe.flushed'`))[0].n).toBe(1);
    }, { tenantId: null, platform: true });
    expect(await audited('probe.flushed')).toBe(1);
  });
});
