import { Client } from 'pg';
import { eventually } from '@rcp/testing';
import { SpineApp, adminClient, startSpineApp } from '../../support/spine-app';

const HANDLER = 'ProjectWidgetOnWidgetChangedHandler';

jest.setTimeout(30_000);

/**
 * The queue heads under concurrency: a relay round that queues a delivery behind a head a worker is
 * removing at that moment must not leave the queue without a head (the delivery would never run).
 */
describe('delivery queues when the relay and a worker meet on one queue', () => {
  let t: SpineApp;
  let worker: Client;
  beforeAll(async () => {
    t = await startSpineApp({ RCP_ROLE: 'api' });
    worker = await adminClient(t.dbUrl);
  });
  afterAll(async () => {
    await worker?.end();
    await t?.close();
  });

  const queue = async (widgetId: string) =>
    (
      await t.ds.query(
        `SELECT (e.envelope->'data'->>'n')::int AS n, d.head FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id
         WHERE d.handler = $1 AND d.aggregate_id = $2 ORDER BY d.position`,
        [HANDLER, widgetId],
      )
    ).map((r: { n: number; head: boolean }) => [r.n, r.head]);

  it('waits for a worker that removed the head, and then makes the new delivery the head', async () => {
    await t.change({ widgetId: 'q-1', expectedVersion: 0 });
    await t.relay.claimBatch();
    expect(await queue('q-1')).toEqual([[1, true]]);
    const [head] = await t.ds.query(`SELECT id FROM platform.event_deliveries WHERE handler = $1 AND aggregate_id = 'q-1'`, [HANDLER]);

    // A worker finishing the head: removed and its queue's next promoted (there is none yet), not committed.
    await worker.query('BEGIN');
    await worker.query(`SELECT platform.remove_deliveries(ARRAY[$1::bigint])`, [head.id]);
    // Meanwhile the aggregate's next event is relayed.
    await t.change({ widgetId: 'q-1', expectedVersion: 1 });
    const round = t.relay.claimBatch();
    await eventually(async () => {
      const waiting = await t.asOwner(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%rcp.relay_base%'`,
      );
      return waiting.length === 1;
    }, 5000);
    await worker.query('COMMIT');
    expect(await round).toBe(1);

    // The new delivery is its queue's head (not stranded behind a head that is gone) and runs.
    expect(await queue('q-1')).toEqual([[2, true]]);
    await eventually(async () => {
      await t.deliveries.runOnce();
      return (await queue('q-1')).length === 0;
    });
    expect((await t.effects(HANDLER)).filter((e) => e.aggregate_id === 'q-1').map((e) => e.n)).toEqual([2]);
  });

  it('queues behind a head that stays, and promotes in order as each is removed', async () => {
    t.project.shouldFail = (e) => e.data.widgetId === 'q-2' && e.data.n === 1;
    for (let v = 0; v < 3; v++) await t.change({ widgetId: 'q-2', expectedVersion: v });
    await t.relay.claimBatch();
    expect(await queue('q-2')).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    await t.deliveries.runOnce(); // the head fails; the others stay held
    expect(await queue('q-2')).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    t.project.shouldFail = () => false;
    await t.asOwner(`UPDATE platform.event_deliveries SET next_attempt_at = now() WHERE aggregate_id = 'q-2'`);
    await eventually(async () => {
      await t.deliveries.runOnce();
      return (await queue('q-2')).length === 0;
    });
    expect((await t.effects(HANDLER)).filter((e) => e.aggregate_id === 'q-2').map((e) => e.n)).toEqual([1, 2, 3]);
  });
});
