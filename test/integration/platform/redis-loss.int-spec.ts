import { eventually } from '@rcp/testing';
import { SpineApp, delay, deletePrefixedKeys, startSpineApp } from '../../support/spine-app';
import { asTenantUser, changeWidget } from '../../support/spine-fixtures';

jest.setTimeout(30_000);

/** Redis keeps nothing on disk here: a BullMQ job is only a hint, the ledger in Postgres is the record. */
describe('losing Redis', () => {
  it('completes every job of a batch exactly once when the Redis keys vanish mid-batch, once the sweeper has re-added the lost hints', async () => {
    const t = await startSpineApp({ RCP_ROLE: 'all', JOB_CONCURRENCY: '4', JOB_SWEEP_INTERVAL_MS: '200' });
    try {
      const total = 120;
      const ids: string[] = [];
      // 50 ms of work each, four at a time: the batch lasts about 1.5 s, long enough to lose Redis halfway on a loaded machine.
      for (let i = 0; i < total; i++) ids.push(await asTenantUser(() => t.jobs.enqueue('spinetest.flaky', { failTimes: 0, workMs: 50 })));
      const states = async () =>
        Object.fromEntries(
          (await t.ds.query(`SELECT state, count(*)::int AS n FROM platform.jobs GROUP BY state`)).map((r: { state: string; n: number }) => [r.state, r.n]),
        ) as Record<string, number>;

      await eventually(async () => ((await states()).completed ?? 0) >= 15);
      // The sweeper runs on the relay leader: this process stops leading while the hints are gone, so
      // the jobs can be seen stuck, then leads again and its sweep timer has to repair them.
      await t.relay.stop();
      const deleted = await deletePrefixedKeys(t.redisPrefix);
      expect(deleted).toBeGreaterThan(0);
      // Whatever the worker had already fetched finishes; the rest of the hints are gone and nothing runs them.
      await delay(600);
      const stuck = await states();
      expect(stuck.queued).toBeGreaterThan(0);
      await delay(300);
      expect((await states()).queued).toBe(stuck.queued);

      // The leader's sweep (its own timer, every JOB_SWEEP_INTERVAL_MS) re-adds hints for due jobs the
      // ledger still holds as queued; nothing here runs it by hand.
      t.relay.start();
      await eventually(async () => t.relay.isLeader, 5000);
      await eventually(async () => (await states()).completed === total, 8000, 100);
      const [effects] = await t.ds.query(`SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM spine_test.job_effects`);
      expect(effects).toEqual({ n: total, jobs: total });
      const [attempts] = await t.ds.query(`SELECT min(attempts)::int AS lo, max(attempts)::int AS hi FROM platform.jobs`);
      expect(attempts).toEqual({ lo: 1, hi: 1 });
    } finally {
      await t.close();
    }
  });

  it('keeps commands succeeding while Redis is unreachable: the job is recorded as queued and runs once Redis is back', async () => {
    const down = await startSpineApp({ RCP_ROLE: 'all', REDIS_URL: 'redis://127.0.0.1:6390' });
    let jobId: string;
    try {
      const started = Date.now();
      jobId = await asTenantUser(() =>
        down.uow.execute({ action: 'widget.change', targetType: 'widget', targetId: 'offline-1' }, async () => {
          await changeWidget({ uow: down.uow, tx: down.tx, outbox: down.outbox }, { widgetId: 'offline-1', expectedVersion: 0 });
          return down.jobs.enqueue('spinetest.flaky', { failTimes: 0 }, { targetType: 'widget', targetId: 'offline-1' });
        }),
      );
      expect(Date.now() - started).toBeLessThan(2000);
      const [job] = await down.ds.query(`SELECT state, attempts FROM platform.jobs WHERE id = $1`, [jobId]);
      expect(job).toEqual({ state: 'queued', attempts: 0 });
      expect(await down.count(`SELECT count(*) AS n FROM spine_test.widgets WHERE id = 'offline-1'`)).toBe(1);
      // One statement, one snapshot: the relay may move the event from the outbox to the log meanwhile.
      expect(
        await down.count(
          `SELECT (SELECT count(*) FROM platform.outbox_events WHERE aggregate_id = 'offline-1') + (SELECT count(*) FROM platform.event_log WHERE aggregate_id = 'offline-1') AS n`,
        ),
      ).toBe(1);

      // Readiness says so, and events still flow (they do not need Redis).
      const ready = await down.http().get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ postgres: 'up', redis: 'down' });
      await eventually(async () => (await down.effects()).filter((e) => e.aggregate_id === 'offline-1').length === 2);
      await delay(300);
      expect((await down.ds.query(`SELECT state FROM platform.jobs WHERE id = $1`, [jobId]))[0].state).toBe('queued');
    } finally {
      await down.app.close();
    }

    // A worker with Redis back takes over, and its maintenance round gets the job run.
    const back = await startSpineApp({ RCP_ROLE: 'all', JOB_SWEEP_INTERVAL_MS: '200' }, { url: down.dbUrl, prefix: down.redisPrefix });
    try {
      // Its sweep timer finds the job whose hint never reached Redis; nothing here runs the sweep by hand.
      await eventually(async () => (await back.ds.query(`SELECT state FROM platform.jobs WHERE id = $1`, [jobId]))[0].state === 'completed', 5000, 100);
      expect(await back.count(`SELECT count(*) AS n FROM spine_test.job_effects WHERE job_id = $1`, [jobId])).toBe(1);
    } finally {
      await back.app.close();
      await down.dropDb();
    }
  });
});
