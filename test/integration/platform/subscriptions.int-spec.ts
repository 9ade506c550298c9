import { EventSubscriptions } from '@rcp/messaging';
import { eventually } from '@rcp/testing';
import { SpineApp, startSpineApp } from '../../support/spine-app';
import { WidgetChanged } from '../../support/spine-fixtures';

/**
 * Guarantee 6 of OUTBOX.md in one database: subscriptions live in `platform.event_subscriptions`, the
 * relay fans out by them (not by its own build), a worker claims only what its build can run, and a
 * handler registered later starts where it declares: after its registration, or from the retained log.
 */
describe('event subscriptions registered in the database', () => {
  let t: SpineApp;
  // Each test its own app: registrations and deliveries are global to a database.
  beforeEach(async () => (t = await startSpineApp({ RCP_ROLE: 'api' })));
  afterEach(async () => t?.close());

  const deliveriesOf = async (handler: string) =>
    (await t.ds.query(`SELECT d.aggregate_id, d.head FROM platform.event_deliveries d WHERE d.handler = $1 ORDER BY d.position`, [handler])) as Array<{
      aggregate_id: string;
      head: boolean;
    }>;

  /** Registers a handler the way another build's process would (this process never runs it). */
  const registerElsewhere = async (name: string, from: 'registration' | 'beginning') => {
    const other = new EventSubscriptions({ getProviders: () => [] } as never, t.ds);
    other.register(name, { handle: async () => undefined }, [WidgetChanged], from);
    return other.registerAll();
  };

  it('registers every handler of the build at start, once, and again idempotently', async () => {
    const rows = await t.ds.query(`SELECT handler FROM platform.event_subscriptions WHERE event_type = 'rcp.spinetest.widget-changed.v1' ORDER BY handler`);
    expect(rows.map((r: { handler: string }) => r.handler)).toEqual(['NotifyOnWidgetChangedHandler', 'ProjectWidgetOnWidgetChangedHandler']);
    expect(await t.app.get(EventSubscriptions).registerAll()).toBe(0);
  });

  it('fans out to a handler only another build has, which this build never claims; a late handler starts where it declares', async () => {
    await t.change({ widgetId: 'sub-1', expectedVersion: 0 });
    await t.change({ widgetId: 'sub-1', expectedVersion: 1 });
    await t.relay.claimBatch();
    await t.change({ widgetId: 'sub-2', expectedVersion: 0 }); // committed, not yet relayed

    expect(await registerElsewhere('ElsewhereFromNowHandler', 'registration')).toBe(1);
    expect(await registerElsewhere('ElsewhereFromStartHandler', 'beginning')).toBe(1);
    // From the start: the log's history, queued in order (only the first of each aggregate is a head).
    expect(await deliveriesOf('ElsewhereFromStartHandler')).toEqual([
      { aggregate_id: 'sub-1', head: true },
      { aggregate_id: 'sub-1', head: false },
    ]);
    expect(await deliveriesOf('ElsewhereFromNowHandler')).toEqual([]);

    // This relay's build has neither handler, and fans out to both.
    await t.relay.claimBatch();
    expect(await deliveriesOf('ElsewhereFromNowHandler')).toEqual([{ aggregate_id: 'sub-2', head: true }]);
    expect(await deliveriesOf('ElsewhereFromStartHandler')).toEqual([
      { aggregate_id: 'sub-1', head: true },
      { aggregate_id: 'sub-1', head: false },
      { aggregate_id: 'sub-2', head: true },
    ]);

    // This build's worker runs its own handlers' deliveries and leaves the others' alone, unfailed.
    await eventually(async () => {
      await t.deliveries.runOnce();
      return (await t.count(`SELECT count(*) AS n FROM platform.event_deliveries WHERE handler LIKE '%OnWidgetChangedHandler'`)) === 0;
    });
    const others = await t.ds.query(`SELECT handler, state, attempts FROM platform.event_deliveries ORDER BY id`);
    expect(others).toHaveLength(4);
    expect(others.every((d: { state: string; attempts: number }) => d.state === 'pending' && d.attempts === 0)).toBe(true);
    expect((await t.effects()).filter((e) => e.aggregate_id.startsWith('sub-'))).toHaveLength(6);
  });

  it('stops fanning out to a handler that no worker has registered for longer than the time to live', async () => {
    // Both handlers of another build, registered after sub-1's events were relayed and before sub-2's was.
    await t.change({ widgetId: 'sub-1', expectedVersion: 0 });
    await t.change({ widgetId: 'sub-1', expectedVersion: 1 });
    await t.relay.claimBatch();
    await t.change({ widgetId: 'sub-2', expectedVersion: 0 });
    await registerElsewhere('ElsewhereFromNowHandler', 'registration');
    await registerElsewhere('ElsewhereFromStartHandler', 'beginning');
    await t.relay.claimBatch();

    await t.asOwner(`UPDATE platform.event_subscriptions SET seen_at = now() - interval '200 hours' WHERE handler = 'ElsewhereFromNowHandler'`);
    await t.change({ widgetId: 'sub-3', expectedVersion: 0 });
    await t.relay.claimBatch();
    expect((await deliveriesOf('ElsewhereFromNowHandler')).map((d) => d.aggregate_id)).toEqual(['sub-2']);
    expect((await deliveriesOf('ElsewhereFromStartHandler')).map((d) => d.aggregate_id)).toEqual(['sub-1', 'sub-1', 'sub-2', 'sub-3']);
  });
});
