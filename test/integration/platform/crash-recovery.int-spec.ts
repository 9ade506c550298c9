import { Client } from 'pg';
import { eventually } from '@rcp/testing';
import { SpineApp, adminClient, gate, startSpineApp } from '../../support/spine-app';

/**
 * Guarantees 2 and 3 of OUTBOX.md under crashes: a relay killed between claim and commit loses nothing
 * and leaves no gap; a delivery killed between its effect and its commit takes nothing of itself or of
 * other deliveries with it and is retried with its effect once (the transaction); an event delivered
 * again after its effect committed has no second effect (the inbox).
 */
describe('crash recovery and the inbox', () => {
  let t: SpineApp;
  let admin: Client;
  const widgets = ['crash-1', 'crash-2', 'crash-3'];
  const HANDLERS = ['NotifyOnWidgetChangedHandler', 'ProjectWidgetOnWidgetChangedHandler'];

  // Each test its own app (they kill its connections), with three widgets changed and not yet relayed.
  beforeEach(async () => {
    // The api role: the test plays relay and delivery worker itself, to stop them at chosen points.
    t = await startSpineApp({ RCP_ROLE: 'api' });
    admin = await adminClient(t.dbUrl);
    for (const w of widgets) await t.change({ widgetId: w, expectedVersion: 0 });
  });
  afterEach(async () => {
    await admin?.end();
    await t?.close();
  });

  const q = async (sql: string, params: unknown[] = []) => (await admin.query(sql, params)).rows;
  /** Waits for the app's backend that is blocked on (or idle in) the given statement, and kills it. */
  const killBackend = async (where: string) => {
    const pid = await eventually(async () => {
      const rows = await q(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`);
      return rows.length === 1 ? (rows[0].pid as number) : undefined;
    }, 5000);
    const [{ killed }] = await q(`SELECT pg_terminate_backend($1) AS killed`, [pid]);
    expect(killed).toBe(true);
  };

  it('leaves the outbox untouched and the positions gapless when the relay dies between claim and commit', async () => {
    expect(await q(`SELECT count(*)::int AS n FROM platform.outbox_events`)).toEqual([{ n: 3 }]);
    // Hold the relay in the middle of its round: an uncommitted delivery row for the first event makes
    // the relay's fan-out wait (unique key), after it has taken the events out of the outbox and
    // written them to the log, inside its transaction.
    const [first] = await q(`SELECT id FROM platform.outbox_events ORDER BY seq LIMIT 1`);
    const blocker = await adminClient(t.dbUrl);
    try {
      await blocker.query(`BEGIN`);
      await blocker.query(`INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, head) VALUES ($1, $2, 0, 'blocker', true)`, [first.id, HANDLERS[0]]);
      const round = t.relay.claimBatch();
      await killBackend(`wait_event_type = 'Lock' AND wait_event = 'transactionid' AND query LIKE '%platform.outbox_events%'`);
      await expect(round).rejects.toThrow();
      await blocker.query(`ROLLBACK`);
    } finally {
      await blocker.end();
    }

    expect(await q(`SELECT aggregate_id FROM platform.outbox_events ORDER BY seq`)).toEqual(widgets.map((w) => ({ aggregate_id: w })));
    expect(await q(`SELECT count(*)::int AS n FROM platform.event_log`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT last_position::int AS p FROM platform.relay_state`)).toEqual([{ p: 0 }]);

    // The next round (on a healthy pooled connection) claims all three with positions 1..3.
    expect(await t.relay.claimBatch()).toBe(3);
    expect(await q(`SELECT position::int AS p, aggregate_id FROM platform.event_log ORDER BY position`)).toEqual(
      widgets.map((w, i) => ({ p: i + 1, aggregate_id: w })),
    );
    expect(await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`)).toEqual([{ n: 6 }]);
    expect(await q(`SELECT count(*)::int AS n FROM platform.outbox_events`)).toEqual([{ n: 0 }]);
  });

  it('rolls back only the delivery whose worker died between its effect and commit, and runs it again with one effect', async () => {
    expect(await t.relay.claimBatch()).toBe(3);
    const written = gate();
    const hold = gate();
    t.project.afterEffect = async (e) => {
      if (e.data.widgetId !== 'crash-2') return;
      written.open();
      await hold.promise;
    };
    const [target] = await q(
      `SELECT d.id FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id WHERE e.aggregate_id = 'crash-2' AND d.handler = $1`,
      [HANDLERS[1]],
    );
    const round = t.deliveries.runOnce();
    await written.promise;
    // The worker has written crash-2's projection and not yet committed: kill its connection.
    await killBackend(`state = 'idle in transaction' AND query LIKE '%spine_test.effects%'`);
    hold.open();
    await expect(round).rejects.toThrow();

    // Nothing of the killed delivery survived: no effect, no inbox row, the delivery still due as before.
    const ofTarget = `FROM platform.event_log e WHERE e.aggregate_id = 'crash-2'`;
    expect(await q(`SELECT count(*)::int AS n FROM spine_test.effects f WHERE f.handler = $1 AND f.event_id IN (SELECT e.id ${ofTarget})`, [HANDLERS[1]])).toEqual([{ n: 0 }]);
    expect(await q(`SELECT count(*)::int AS n FROM platform.inbox i WHERE i.handler = $1 AND i.event_id IN (SELECT e.id ${ofTarget})`, [HANDLERS[1]])).toEqual([{ n: 0 }]);
    expect(await q(`SELECT state, attempts, head FROM platform.event_deliveries WHERE id = $1`, [target.id])).toEqual([{ state: 'pending', attempts: 0, head: true }]);
    // Deliveries that committed before it kept their effects: each delivery is its own transaction.
    const committed = await q(`SELECT count(*)::int AS n FROM spine_test.effects`);
    expect(committed[0].n).toBeGreaterThan(0);
    expect(await q(`SELECT count(*)::int AS n FROM platform.inbox`)).toEqual(committed);

    t.project.reset();
    await eventually(async () => {
      await t.deliveries.runOnce();
      return (await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`))[0].n === 0;
    });
    const effects = await q(`SELECT handler, aggregate_id, count(*)::int AS n FROM spine_test.effects GROUP BY 1, 2 ORDER BY 2, 1`);
    expect(effects).toEqual(widgets.flatMap((w) => HANDLERS.map((h) => ({ handler: h, aggregate_id: w, n: 1 }))));
  });

  it('acknowledges an event delivered again after its effect committed without running the handler a second time', async () => {
    expect(await t.relay.claimBatch()).toBe(3);
    await eventually(async () => {
      await t.deliveries.runOnce();
      return (await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`))[0].n === 0;
    });
    const callsBefore = t.project.calls.length + t.notify.calls.length;
    // A relay that crashed after fanning out but before recording it would fan the same events out again.
    await admin.query(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
       SELECT e.id, h.handler, e.position, e.aggregate_id, e.tenant_id, true FROM platform.event_log e CROSS JOIN unnest($1::text[]) AS h(handler)`,
      [HANDLERS],
    );
    expect(await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`)).toEqual([{ n: 6 }]);

    expect(await t.deliveries.runOnce()).toBe(6);
    expect(await q(`SELECT count(*)::int AS n FROM platform.event_deliveries`)).toEqual([{ n: 0 }]);
    expect(t.project.calls.length + t.notify.calls.length).toBe(callsBefore);
    expect(await q(`SELECT count(*)::int AS n, count(DISTINCT (handler, event_id))::int AS distinct_n FROM spine_test.effects`)).toEqual([{ n: 6, distinct_n: 6 }]);
  });
});
