import { ConcurrentModificationError } from '@rcp/ddd';
import { SpineApp, startSpineApp } from '../../support/spine-app';

/** Guarantee 1 of OUTBOX.md: a command's state, its events and its audit row commit together or not at all. */
describe('unit of work', () => {
  let t: SpineApp;
  // The api role: no relay drains the outbox behind the test's back.
  beforeAll(async () => (t = await startSpineApp({ RCP_ROLE: 'api' })));
  afterAll(async () => t?.close());

  const state = async (widgetId: string) => ({
    widgets: await t.count(`SELECT count(*) AS n FROM spine_test.widgets WHERE id = $1`, [widgetId]),
    outbox: await t.count(`SELECT count(*) AS n FROM platform.outbox_events WHERE aggregate_id = $1`, [widgetId]),
    audit: await t.count(`SELECT count(*) AS n FROM platform.audit_log WHERE target_id = $1`, [widgetId]),
  });

  it('leaves no state, no outbox row and no audit row when the work throws after appending its event', async () => {
    await expect(t.change({ widgetId: 'w-fail', expectedVersion: 0, failAfterAppend: true })).rejects.toThrow('command failed after writing state and event');
    expect(await state('w-fail')).toEqual({ widgets: 0, outbox: 0, audit: 0 });
  });

  it('commits the state, exactly one outbox row and exactly one allowed audit row together when the work succeeds', async () => {
    await expect(t.change({ widgetId: 'w-ok', expectedVersion: 0 })).resolves.toBe(1);
    expect(await state('w-ok')).toEqual({ widgets: 1, outbox: 1, audit: 1 });

    const [event] = await t.ds.query(`SELECT type, tenant_id, aggregate_type, aggregate_version, envelope FROM platform.outbox_events WHERE aggregate_id = 'w-ok'`);
    expect(event).toMatchObject({ type: 'rcp.spinetest.widget-changed.v1', tenant_id: 'tenant-a', aggregate_type: 'Widget', aggregate_version: 1 });
    expect(event.envelope).toMatchObject({
      specversion: '1.0',
      type: 'rcp.spinetest.widget-changed.v1',
      subject: 'w-ok',
      tenantid: 'tenant-a',
      moduleid: 'spinetest',
      aggregateversion: '1',
      data: { widgetId: 'w-ok', n: 1 },
    });
    const [audit] = await t.ds.query(`SELECT action, result, actor, tenant_id FROM platform.audit_log WHERE target_id = 'w-ok'`);
    expect(audit).toEqual({ action: 'widget.change', result: 'allowed', actor: 'user@tenant-a', tenant_id: 'tenant-a' });
  });

  it('rejects a stale version with concurrent_modification and writes none of the three', async () => {
    await t.change({ widgetId: 'w-stale', expectedVersion: 0 });
    await t.change({ widgetId: 'w-stale', expectedVersion: 1 });
    const before = await state('w-stale');
    await expect(t.change({ widgetId: 'w-stale', expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrentModificationError);
    expect(await state('w-stale')).toEqual(before);
    expect(before).toEqual({ widgets: 1, outbox: 2, audit: 2 });
    const [w] = await t.ds.query(`SELECT version FROM spine_test.widgets WHERE id = 'w-stale'`);
    expect(w.version).toBe(2);
  });
});
