import request from 'supertest';
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
         WHERE e.aggregate_id = $1 AND d.handler = $2`,
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
    const http = () => request(t.app.getHttpServer());
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
});
