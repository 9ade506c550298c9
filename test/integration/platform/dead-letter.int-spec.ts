import { eventually } from '@rcp/testing';
import { SpineApp, delay, startSpineApp } from '../../support/spine-app';

jest.setTimeout(20_000);

/** Guarantee 5 of OUTBOX.md: a handler that keeps failing blocks nobody, dead-letters visibly and can be replayed. */
describe('dead letters and replay', () => {
  let t: SpineApp;
  beforeAll(async () => (t = await startSpineApp({ RCP_ROLE: 'all', DELIVERY_MAX_ATTEMPTS: '5', DELIVERY_BACKOFF_BASE_MS: '40' })));
  afterAll(async () => t?.close());

  const delivery = async (widgetId: string, handler: string) =>
    (
      await t.ds.query(
        `SELECT d.id, d.state, d.attempts, d.last_error FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id
         WHERE e.aggregate_id = $1 AND d.handler = $2 ORDER BY d.position`,
        [widgetId, handler],
      )
    )[0] as { id: string; state: string; attempts: number; last_error: string | null } | undefined;
  const effectsOf = async (handler: string, widgetId: string) => (await t.effects(handler)).filter((e) => e.aggregate_id === widgetId);

  it('dead-letters a handler after five failures while the other handler of the same event and its other events go through at once; replay runs it again', async () => {
    t.project.shouldFail = (e) => e.data.widgetId === 'dl-1';
    await t.change({ widgetId: 'dl-1', expectedVersion: 0 });
    await t.change({ widgetId: 'dl-2', expectedVersion: 0 });

    // The notifier handles dl-1 and the failing projection handles dl-2 while dl-1's projection is still retrying.
    await eventually(async () => (await effectsOf('NotifyOnWidgetChangedHandler', 'dl-1')).length === 1 && (await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'dl-2')).length === 1);
    const meanwhile = await delivery('dl-1', 'ProjectWidgetOnWidgetChangedHandler');
    expect(meanwhile?.state).not.toBe('dead_letter');
    expect(meanwhile!.attempts).toBeLessThan(5);

    const dead = await eventually(async () => {
      const d = await delivery('dl-1', 'ProjectWidgetOnWidgetChangedHandler');
      return d?.state === 'dead_letter' ? d : undefined;
    });
    expect(dead.attempts).toBe(5);
    expect(dead.last_error).toContain('failed on purpose');
    await delay(200); // long past the next backoff: a dead letter is not retried by itself
    expect(t.project.calls.filter((c) => c.data.widgetId === 'dl-1')).toHaveLength(5);
    expect(await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'dl-1')).toHaveLength(0);

    // Operators see it over the API …
    const admin = t.token({ roles: ['platform:admin'] });
    const viewer = t.token({ roles: ['platform:viewer'] });
    const http = () => t.http();
    const list = await http().get('/v1/event-deliveries').query({ state: 'dead_letter' }).set('authorization', `Bearer ${viewer}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: Number(dead.id), handler: 'ProjectWidgetOnWidgetChangedHandler', eventType: 'rcp.spinetest.widget-changed.v1', state: 'dead_letter', attempts: 5 }),
    ]);
    // … a viewer may not replay …
    expect((await http().post(`/v1/event-deliveries/${dead.id}/replay`).set('authorization', `Bearer ${viewer}`)).status).toBe(403);

    // … an admin replays it once the handler is fixed, and it runs again, once.
    t.project.shouldFail = () => false;
    const replay = await http().post(`/v1/event-deliveries/${dead.id}/replay`).set('authorization', `Bearer ${admin}`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: Number(dead.id), state: 'pending', attempts: 0 });
    await eventually(async () => (await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'dl-1')).length === 1);
    await eventually(async () => !(await delivery('dl-1', 'ProjectWidgetOnWidgetChangedHandler')));
    expect(t.project.calls.filter((c) => c.data.widgetId === 'dl-1')).toHaveLength(6);
    const audit = await t.ds.query(`SELECT result FROM platform.audit_log WHERE action = 'event-delivery.replay' AND target_id = $1`, [dead.id]);
    expect(audit.map((a: { result: string }) => a.result).sort()).toEqual(['allowed', 'denied']);

    // Replaying a delivery that is done is a 404 (it no longer exists).
    const again = await http().post(`/v1/event-deliveries/${dead.id}/replay`).set('authorization', `Bearer ${admin}`);
    expect(again.status).toBe(404);
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('holds the later events of a dead-lettered queue, visibly, and a skip releases them in order while the skipped one never runs', async () => {
    t.project.shouldFail = (e) => e.data.widgetId === 'sk-1' && e.data.n === 1;
    for (let v = 0; v < 3; v++) await t.change({ widgetId: 'sk-1', expectedVersion: v });
    const dead = await eventually(async () => {
      const d = await delivery('sk-1', 'ProjectWidgetOnWidgetChangedHandler');
      return d?.state === 'dead_letter' ? d : undefined;
    });
    const admin = t.token({ roles: ['platform:admin'] });
    const viewer = t.token({ roles: ['platform:viewer'] });
    const http = () => t.http();
    const listed = await http().get('/v1/event-deliveries').query({ limit: 100 }).set('authorization', `Bearer ${viewer}`);
    const ours = listed.body.items.filter((d: { handler: string; state: string }) => d.handler === 'ProjectWidgetOnWidgetChangedHandler');
    expect(ours.map((d: { state: string; held: boolean }) => [d.state, d.held])).toEqual([
      ['dead_letter', false],
      ['pending', true],
      ['pending', true],
    ]);
    await delay(200);
    expect((await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'sk-1')).map((e) => e.n)).toEqual([]);
    expect((await effectsOf('NotifyOnWidgetChangedHandler', 'sk-1')).map((e) => e.n)).toEqual([1, 2, 3]);

    // Refusals: a viewer may not skip; only a dead letter may be skipped; a malformed id is a 400.
    expect((await http().post(`/v1/event-deliveries/${dead.id}/skip`).set('authorization', `Bearer ${viewer}`)).status).toBe(403);
    const pending = ours[1].id as number;
    const early = await http().post(`/v1/event-deliveries/${pending}/skip`).set('authorization', `Bearer ${admin}`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_state_transition');
    expect((await http().post(`/v1/event-deliveries/abc/skip`).set('authorization', `Bearer ${admin}`)).status).toBe(400);

    const skipped = await http().post(`/v1/event-deliveries/${dead.id}/skip`).set('authorization', `Bearer ${admin}`);
    expect(skipped.status).toBe(204);
    await eventually(async () => (await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'sk-1')).length === 2);
    expect((await effectsOf('ProjectWidgetOnWidgetChangedHandler', 'sk-1')).map((e) => e.n)).toEqual([2, 3]);
    expect(t.project.calls.filter((c) => c.data.widgetId === 'sk-1').map((c) => c.data.n)).toEqual([1, 1, 1, 1, 1, 2, 3]);
    expect((await http().post(`/v1/event-deliveries/${dead.id}/skip`).set('authorization', `Bearer ${admin}`)).status).toBe(404);
    const audit = await t.ds.query(`SELECT result FROM platform.audit_log WHERE action = 'event-delivery.skip' ORDER BY id`);
    expect(audit.map((a: { result: string }) => a.result)).toEqual(['denied', 'denied', 'denied', 'allowed', 'denied']);
  });
});
