import { eventually } from '@rcp/testing';
import { SpineApp, adminClient, gate, startSpineApp } from '../../support/spine-app';

/** Guarantee 4 of OUTBOX.md: commit order per aggregate, and a feed cursor that never skips a late commit. */
describe('event order and the feed', () => {
  describe('driven by hand (api role: no background relay or delivery lanes)', () => {
    let t: SpineApp;
    // Each test its own app: the first reads the whole event log, which the others add to.
    beforeEach(async () => (t = await startSpineApp({ RCP_ROLE: 'api', DELIVERY_BACKOFF_BASE_MS: '20' })));
    afterEach(async () => t?.close());

    it('gives an event whose transaction committed late a later feed position instead of skipping it', async () => {
      const admin = await adminClient(t.dbUrl);
      try {
        // Transaction A appends its event first (lower sequence) and stays open. (Outbox rows are
        // written with COMMIT; A sends its own ahead to hold the lower sequence while it stays open.)
        const appended = gate();
        const release = gate();
        const a = t.change({
          widgetId: 'late-a',
          expectedVersion: 0,
          label: 'A',
          beforeCommit: async () => {
            await t.tx.flushDeferred();
            appended.open();
            await release.promise;
          },
        });
        await appended.promise;
        // Transaction B appends later (higher sequence) and commits first.
        await t.change({ widgetId: 'late-b', expectedVersion: 0, label: 'B' });
        const [{ seq: seqB }] = (await admin.query(`SELECT seq FROM platform.outbox_events WHERE aggregate_id = 'late-b'`)).rows;

        // The relay runs while A is still open: it sees only B.
        expect(await t.relay.claimBatch()).toBe(1);
        const tenant = t.token({ tenantId: 'tenant-a', roles: ['tenant:viewer'] });
        const first = await t.http().get('/v1/events').set('authorization', `Bearer ${tenant}`);
        expect(first.status).toBe(200);
        expect(first.body.items.map((e: { data: { label: string } }) => e.data.label)).toEqual(['B']);
        // Caught up: no next page, and the position to resume from is B's.
        expect(first.body.nextCursor).toBeNull();
        const cursor: string = first.body.resumeAfter;
        expect(cursor).toBeTruthy();

        // A commits; its sequence was lower than B's, yet it is still waiting in the outbox.
        release.open();
        await a;
        const [{ seq: seqA }] = (await admin.query(`SELECT seq FROM platform.outbox_events WHERE aggregate_id = 'late-a'`)).rows;
        expect(Number(seqA)).toBeLessThan(Number(seqB));
        expect(await t.relay.claimBatch()).toBe(1);

        // A gets the next position, and a reader holding B's cursor receives it.
        const log = (await admin.query(`SELECT position, aggregate_id FROM platform.event_log ORDER BY position`)).rows;
        expect(log).toEqual([
          { position: '1', aggregate_id: 'late-b' },
          { position: '2', aggregate_id: 'late-a' },
        ]);
        const next = await t.http().get('/v1/events').query({ after: cursor }).set('authorization', `Bearer ${tenant}`);
        expect(next.body.items.map((e: { data: { label: string } }) => e.data.label)).toEqual(['A']);
        expect(await t.count(`SELECT count(*) AS n FROM platform.outbox_events`)).toBe(0);
      } finally {
        await admin.end();
      }
    });

    it('holds back later events of an aggregate for a handler while an earlier one is failing, without holding back other aggregates or handlers', async () => {
      for (let v = 0; v < 3; v++) await t.change({ widgetId: 'ord-x', expectedVersion: v });
      await t.change({ widgetId: 'ord-y', expectedVersion: 0 });
      await t.relay.claimBatch();
      // The projection fails twice on the first event of ord-x.
      t.project.shouldFail = (e) => e.data.widgetId === 'ord-x' && e.data.n === 1 && t.project.calls.filter((c) => c.data.widgetId === 'ord-x').length <= 2;

      expect(await t.deliveries.runOnce()).toBeGreaterThan(0);
      // Round one: ord-y reached both handlers; ord-x#1 reached the notifier, failed in the projection,
      // and ord-x#2 was not delivered to the projection (its predecessor is still failing).
      const ours = async (handler: string) =>
        (await t.effects(handler)).filter((e) => e.aggregate_id.startsWith('ord-')).map((e) => `${e.aggregate_id}#${e.n}`);
      expect(await ours('ProjectWidgetOnWidgetChangedHandler')).toEqual(['ord-y#1']);
      expect((await ours('NotifyOnWidgetChangedHandler')).sort()).toEqual(['ord-x#1', 'ord-y#1']);

      await eventually(async () => {
        await t.deliveries.runOnce();
        return (await t.count(`SELECT count(*) AS n FROM platform.event_deliveries`)) === 0;
      });
      const xs = (rows: Array<{ aggregate_id: string; n: number }>) => rows.filter((r) => r.aggregate_id === 'ord-x').map((r) => r.n);
      expect(xs(await t.effects('ProjectWidgetOnWidgetChangedHandler'))).toEqual([1, 2, 3]);
      expect(xs(await t.effects('NotifyOnWidgetChangedHandler'))).toEqual([1, 2, 3]);
      // The projection saw ord-x#1 three times (two failures) and never saw #2 before #1 succeeded.
      expect(t.project.calls.filter((c) => c.data.widgetId === 'ord-x').map((c) => c.data.n)).toEqual([1, 1, 1, 2, 3]);
      // Failed attempts left no effect behind (each delivery runs in a savepoint with its inbox row).
      expect(
        await t.count(`SELECT count(*) AS n FROM platform.inbox i JOIN platform.event_log e ON e.id = i.event_id WHERE e.aggregate_id LIKE 'ord-%'`),
      ).toBe(8);
    });
    it('keeps every aggregate\'s events in version order in the log even when several relay rounds overlap', async () => {
      // A split brain for a moment (a leader whose session just died while a round was in flight, and the
      // follower that took over): several rounds claim at once, in small batches.
      const other = await startSpineApp({ RCP_ROLE: 'api', RELAY_BATCH_SIZE: '3' }, { url: t.dbUrl, prefix: t.redisPrefix });
      try {
        await Promise.all(
          Array.from({ length: 4 }, async (_, a) => {
            for (let v = 0; v < 30; v++) await t.change({ widgetId: `split-${a}`, expectedVersion: v });
          }),
        );
        const drain = async (relay: SpineApp['relay']) => {
          while ((await relay.claimBatch()) > 0);
        };
        await Promise.all(Array.from({ length: 4 }, () => drain(other.relay)));
        const log: Array<{ aggregate_id: string; aggregate_version: number }> = await t.ds.query(
          `SELECT aggregate_id, aggregate_version FROM platform.event_log WHERE aggregate_id LIKE 'split-%' ORDER BY position`,
        );
        expect(log).toHaveLength(120);
        for (let a = 0; a < 4; a++) {
          expect(log.filter((e) => e.aggregate_id === `split-${a}`).map((e) => e.aggregate_version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        }
      } finally {
        await other.app.close();
      }
    });
  });

  describe('with the worker running (relay and four delivery lanes in the background)', () => {
    let t: SpineApp;
    beforeAll(async () => (t = await startSpineApp({ RCP_ROLE: 'all', DELIVERY_CONCURRENCY: '4', RELAY_BATCH_SIZE: '7' })));
    afterAll(async () => t?.close());

    it('delivers every event of an aggregate to each handler in the order the aggregate recorded them', async () => {
      const aggregates = 12;
      const versions = 8;
      // Each aggregate changes sequentially; aggregates change concurrently with each other.
      await Promise.all(
        Array.from({ length: aggregates }, async (_, a) => {
          for (let v = 0; v < versions; v++) await t.change({ widgetId: `conc-${a}`, expectedVersion: v });
        }),
      );
      const total = aggregates * versions * 2;
      await eventually(async () => (await t.count(`SELECT count(*) AS n FROM spine_test.effects`)) === total, 15_000);
      for (const handler of ['ProjectWidgetOnWidgetChangedHandler', 'NotifyOnWidgetChangedHandler']) {
        const rows = await t.effects(handler);
        for (let a = 0; a < aggregates; a++) {
          expect(rows.filter((r) => r.aggregate_id === `conc-${a}`).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        }
      }
      // Positions are gapless and each event is in the log once.
      const [log] = await t.ds.query(`SELECT count(*)::int AS n, min(position)::int AS lo, max(position)::int AS hi FROM platform.event_log`);
      expect(log).toEqual({ n: aggregates * versions, lo: 1, hi: aggregates * versions });
    });
  });
});
