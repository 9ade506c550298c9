import { delivered, eventsOf, eventually, givenReadyEnvironment, givenTenant, startTestApp } from '@rcp/testing';
import { HealthSchedule } from '../../../src/contexts/health/application/health-schedule';

type App = Awaited<ReturnType<typeof startTestApp>>;

const STALE_SECONDS = 5;

/** A service nobody reports on any more becomes `unknown` after HEALTH_STALE_SECONDS, once, by the worker's own schedule. */
describe('health staleness', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({ HEALTH_STALE_SECONDS: String(STALE_SECONDS), HEALTH_PULL_INTERVAL_SECONDS: '0', RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10' });
  });
  afterAll(() => t.close());

  it('turns a silent service unknown with one event, leaves a reporting one alone, and does nothing the second time', async () => {
    const owner = await givenTenant(t);
    const env = await givenReadyEnvironment(t, owner);
    await delivered(t, env.id);
    const report = (service: string, agoMs: number) =>
      t
        .http()
        .post(`/v1/environments/${env.id}/health-reports`)
        .set('authorization', `Bearer ${owner.agent(env.id)}`)
        .send({ observedAt: new Date(Date.now() - agoMs).toISOString(), checks: [{ service, status: 'pass' }] });
    expect((await report('silent', 12_000)).status).toBe(200);
    expect((await report('silent', 11_000)).body.changed).toEqual([{ service: 'silent', revision: null, status: 'healthy' }]);
    await report('chatty', 1_000);
    await report('chatty', 500);

    const health = async () => Object.fromEntries(((await t.http().get(`/v1/environments/${env.id}/health`).set('authorization', `Bearer ${owner.viewer}`)).body.services as Array<{ service: string; status: string; reason: string }>).map((s) => [s.service, s]));
    // The worker's schedule (every HEALTH_STALE_SECONDS / 3) finds it by itself.
    await eventually(async () => (await health()).silent.status === 'unknown', 10_000, 100, 'the silent service turns unknown');
    const after = await health();
    expect(after.silent.reason).toMatch(/no check for/i);
    expect(after.chatty.status).toBe('healthy');

    // Called again (and by the schedule meanwhile), nothing more happens to it.
    await t.app.get(HealthSchedule).expireStale();
    await new Promise((r) => setTimeout(r, 2_000));
    await delivered(t, env.id);
    const [row] = await t.asOwner(`SELECT id FROM health.check_results WHERE environment_id = $1 AND service = 'silent'`, [env.id]);
    const changes = (await eventsOf(t, row.id, 'rcp.health.service-health-changed')).map((e) => `${e.data.previousStatus}→${e.data.status}`);
    expect(changes).toEqual(['unknown→healthy', 'healthy→unknown']);
    const audit = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'health.expire' AND target_id = $1`, [env.id]);
    expect(audit[0].n).toBe(1);
  });
});
