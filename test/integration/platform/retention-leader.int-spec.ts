import { MetricsService } from '@rcp/observability';
import { eventually, planNodes, planOf } from '@rcp/testing';
import { JOB_GAUGE_SQL } from '../../../src/platform/worker-runtime';
import { SpineApp, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);


/**
 * Retention and the operational gauges run on the worker leader only, by their own timers: two worker
 * processes on one database, the real intervals, no calls by hand.
 */
describe('retention and gauges on the worker leader', () => {
  let first: SpineApp;
  let second: SpineApp;
  let leader: SpineApp;
  let follower: SpineApp;

  beforeAll(async () => {
    const settings = { RCP_ROLE: 'worker', RETENTION_INTERVAL_SECONDS: '5' };
    first = await startSpineApp(settings);
    second = await startSpineApp(settings, { url: first.dbUrl, prefix: first.redisPrefix });
    await eventually(async () => [first, second].filter((a) => a.relay.isLeader).length === 1, 10_000);
    [leader, follower] = first.relay.isLeader ? [first, second] : [second, first];
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('the leader prunes on its own schedule; the follower does not run retention', async () => {
    await first.asOwner(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at, published_at)
       SELECT 1000000 + i, gen_random_uuid(), 'tenant-a', 'rcp.spinetest.widget-changed.v1', 'Widget', 'old-' || i, 1, '{}'::jsonb,
              now() - interval '60 days', now() - interval '60 days'
       FROM generate_series(1, 50) i`,
    );
    await eventually(async () => Number((await first.asOwner(`SELECT count(*) AS n FROM platform.event_log WHERE aggregate_id LIKE 'old-%'`))[0].n) === 0, 15_000, 200);
    expect(await leader.app.get(MetricsService).render()).toMatch(/rcp_retention_pruned_rows_total\{table="event_log"\} 50/);
    const followerMetrics = await follower.app.get(MetricsService).render();
    expect(followerMetrics).not.toMatch(/rcp_retention_pruned_rows_total\{/);
    expect(followerMetrics).toMatch(/rcp_retention_last_run_timestamp_seconds 0/);
  });

  it('only the leader counts jobs for the gauges, exactly for the states an operator acts on, without reading completed jobs', async () => {
    await first.asOwner(
      `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts, created_at, updated_at, run_at, finished_at)
       SELECT gen_random_uuid(), 'tenant-a', 'spinetest.none', CASE WHEN i <= 3 THEN 'dead_letter' WHEN i <= 5 THEN 'failed' ELSE 'completed' END,
              5, now(), now(), now(), now()
       FROM generate_series(1, 60000) i;
       INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts, created_at, updated_at, run_at)
       SELECT gen_random_uuid(), 'tenant-a', 'spinetest.none', 'queued', 5, now(), now(), now() + interval '1 day' FROM generate_series(1, 7);`,
    );
    await first.asOwner(`VACUUM (ANALYZE) platform.jobs`);

    // A follower (and any api replica) asks the database nothing and serves no job gauge.
    const spy = jest.spyOn(follower.ds, 'query');
    await follower.runtime.refreshGauges();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(await follower.app.get(MetricsService).render()).not.toMatch(/rcp_jobs\{/);

    await leader.runtime.refreshGauges();
    const metrics = await leader.app.get(MetricsService).render();
    expect(metrics).toContain('rcp_jobs{state="queued"} 7');
    expect(metrics).toContain('rcp_jobs{state="dead_letter"} 3');
    expect(metrics).toContain('rcp_jobs{state="failed"} 2');
    expect(metrics).toContain('rcp_jobs{state="running"} 0');
    const completed = Number(/rcp_jobs\{state="completed"\} (\d+)/.exec(metrics)?.[1]);
    expect(Math.abs(completed - 59_995)).toBeLessThan(59_995 * 0.05); // an estimate from the table statistics

    // The statement reads the state index only, never the table's rows.
    const [row] = await leader.asOwner(`EXPLAIN (FORMAT JSON) ${JOB_GAUGE_SQL}`);
    const plan = planNodes(planOf(row));
    expect(plan.filter((n) => n['Relation Name'] === 'jobs').map((n) => n['Node Type'])).not.toContainEqual(expect.stringMatching(/Seq Scan|Bitmap Heap Scan/));
  });
});
