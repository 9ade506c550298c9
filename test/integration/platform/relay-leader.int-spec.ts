import { RELAY_LOCK_KEY } from '@rcp/messaging';
import { eventually } from '@rcp/testing';
import { Client } from 'pg';
import { SpineApp, adminClient, delay, startSpineApp } from '../../support/spine-app';

jest.setTimeout(30_000);

/** Guarantee 2 of OUTBOX.md across processes: one relay leader among many workers, and a failover that loses nothing. */
describe('relay leadership across workers', () => {
  let first: SpineApp;
  let second: SpineApp;
  let admin: Client;
  const open: SpineApp[] = [];

  beforeAll(async () => {
    first = await startSpineApp({ RCP_ROLE: 'worker' });
    second = await startSpineApp({ RCP_ROLE: 'worker' }, { url: first.dbUrl, prefix: first.redisPrefix });
    open.push(first, second);
    admin = await adminClient(first.dbUrl);
  });
  // Instances are stopped with app.close() (a process going away); the database is dropped at the end.
  afterAll(async () => {
    for (const a of open.reverse()) await a.app.close().catch(() => undefined);
    await admin?.end();
    await first?.dropDb();
  });

  const leaders = () => open.filter((a) => a.relay.isLeader);
  const lockHolders = async () =>
    Number(
      (
        await admin.query(
          `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [RELAY_LOCK_KEY],
        )
      ).rows[0].n,
    );

  it('elects exactly one relay leader among two workers on one database', async () => {
    await eventually(async () => leaders().length === 1);
    expect(await lockHolders()).toBe(1);
    // Stays that way: the follower keeps trying and keeps failing.
    for (let i = 0; i < 12; i++) {
      await delay(100);
      expect(leaders()).toHaveLength(1);
    }
  });

  it('hands leadership to the other worker when the leader shuts down, and every event reaches every handler once', async () => {
    const leader = leaders()[0];
    const follower = open.find((a) => a !== leader)!;
    const writers = [leader, follower];
    const perWriter = 40;
    let written = 0;
    // Commands keep arriving on both instances while the leader goes away.
    const produce = async (app: SpineApp, name: string, stopEarly: boolean) => {
      for (let v = 0; v < perWriter; v++) {
        if (stopEarly && v === perWriter / 2) return;
        await app.change({ widgetId: name, expectedVersion: v });
        written++;
        await delay(5);
      }
    };
    const fromLeader = produce(leader, 'failover-a', true);
    const fromFollower = produce(follower, 'failover-b', false);
    await fromLeader;
    await leader.app.close();
    open.splice(open.indexOf(leader), 1);
    await fromFollower;

    await eventually(async () => follower.relay.isLeader, 5000);
    expect(await lockHolders()).toBe(1);
    expect(written).toBe(perWriter + perWriter / 2);
    await eventually(async () => (await follower.count(`SELECT count(*) AS n FROM spine_test.effects`)) >= written * 2, 10_000);
    await delay(100);
    const [effects] = await follower.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (handler, event_id))::int AS distinct_n FROM spine_test.effects`);
    expect(effects).toEqual({ n: written * 2, distinct_n: written * 2 });
    const [log] = await follower.ds.query(`SELECT count(*)::int AS n, max(position)::int AS hi FROM platform.event_log`);
    expect(log).toEqual({ n: written, hi: written });
    for (const [name, n] of [['failover-a', perWriter / 2], ['failover-b', perWriter]] as const) {
      for (const handler of ['ProjectWidgetOnWidgetChangedHandler', 'NotifyOnWidgetChangedHandler']) {
        const ns = (await follower.effects(handler)).filter((e) => e.aggregate_id === name).map((e) => e.n);
        expect(ns).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      }
    }
  });

  it('keeps exactly one leader when the leader\'s session is cut without a goodbye, and events keep flowing', async () => {
    const third = await startSpineApp({ RCP_ROLE: 'worker' }, { url: first.dbUrl, prefix: first.redisPrefix });
    open.push(third);
    const leader = leaders()[0];
    expect(leader).not.toBe(third);
    // The leader's dedicated session is cut (as when its process is killed or its network drops).
    const { rows: killed } = await admin.query(
      `SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [RELAY_LOCK_KEY],
    );
    expect(killed).toEqual([{ ok: true }]);
    await eventually(async () => leaders().length === 1 && (await lockHolders()) === 1, 5000);
    const before = await third.count(`SELECT count(*) AS n FROM platform.event_log`);
    await third.change({ widgetId: 'after-kill', expectedVersion: 0 });
    await eventually(async () => (await third.effects()).filter((e) => e.aggregate_id === 'after-kill').length === 2, 5000);
    expect(await third.count(`SELECT count(*) AS n FROM platform.event_log`)).toBe(before + 1);
  });
});
