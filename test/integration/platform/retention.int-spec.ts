import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MetricsService } from '@rcp/observability';
import { RETENTION_LOCK_KEY, RetentionPruner } from '../../../src/platform/retention-pruner';
import { SpineApp, adminClient, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);

const BATCH = 500;
const HANDLER = 'ProjectWidgetOnWidgetChangedHandler';

/**
 * Guarantee 7 of OUTBOX.md on real Postgres: what retention allows is deleted in small batches, each
 * its own transaction, and nothing that is still needed: events a delivery still reads, inbox rows of
 * deliveries not done, jobs and dead letters inside their windows. The audit log is exported before
 * its rows go, and the feed refuses a cursor that fell behind what was pruned.
 */
describe('retention', () => {
  let t: SpineApp;
  let exportDir: string;
  let pruner: RetentionPruner;

  // Every test has an app and a database of its own (none depends on what another left behind).
  beforeEach(async () => {
    exportDir = await mkdtemp(join(tmpdir(), 'rcp-audit-export-'));
    // The api role: no relay or lanes move rows behind the test's back, and the test runs the pruner.
    t = await startSpineApp({ RCP_ROLE: 'api', RETENTION_BATCH_SIZE: String(BATCH), RETENTION_AUDIT_EXPORT_DIR: exportDir });
    pruner = t.app.get(RetentionPruner);
    // Each DELETE statement on a pruned table records its transaction and how many rows it removed.
    await t.asOwner(`
      CREATE TABLE spine_test.deletes (tbl text NOT NULL, xid xid8 NOT NULL, n integer NOT NULL);
      GRANT INSERT ON spine_test.deletes TO rcp_app;
      CREATE FUNCTION spine_test.record_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO spine_test.deletes SELECT TG_TABLE_NAME, pg_current_xact_id(), count(*) FROM gone HAVING count(*) > 0;
        RETURN NULL;
      END $$;
      CREATE TRIGGER record_delete AFTER DELETE ON platform.event_log REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION spine_test.record_delete();
      CREATE TRIGGER record_delete AFTER DELETE ON platform.audit_log REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION spine_test.record_delete();
      CREATE TRIGGER record_delete AFTER DELETE ON platform.inbox REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION spine_test.record_delete();
    `);
  });
  afterEach(async () => {
    await t?.close();
    await rm(exportDir, { recursive: true, force: true });
  });

  /** Appends events to the log at the next positions, published `daysAgo` days ago. */
  const logEvents = async (count: number, daysAgo: number, tenant: string | null, aggregate = 'w') => {
    await t.asOwner(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at, published_at)
       SELECT base + i, gen_random_uuid(), $2, 'rcp.spinetest.widget-changed.v1', 'Widget', $4 || '-' || (base + i), 1,
              jsonb_build_object('specversion', '1.0', 'type', 'rcp.spinetest.widget-changed.v1', 'tenantid', $2::text, 'seq', base + i),
              now() - make_interval(days => $3), now() - make_interval(days => $3)
       FROM generate_series(1, $1::int) i, (SELECT coalesce(max(position), 0) AS base FROM platform.event_log) b`,
      [count, tenant, daysAgo, aggregate],
    );
  };
  const eventAt = async (position: number): Promise<{ id: string; aggregate_id: string }> =>
    (await t.asOwner(`SELECT id, aggregate_id FROM platform.event_log WHERE position = $1`, [position]))[0];
  const deliveryFor = (position: number, state: string, updatedDaysAgo: number) =>
    t.asOwner(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, state, attempts, updated_at, head)
       SELECT id, $2, position, aggregate_id, tenant_id, $3, 8, now() - make_interval(days => $4),
              NOT EXISTS (SELECT 1 FROM platform.event_deliveries p WHERE p.handler = $2 AND p.aggregate_id = e.aggregate_id)
       FROM platform.event_log e WHERE position = $1`,
      [position, HANDLER, state, updatedDaysAgo],
    );
  const positions = async (): Promise<number[]> => (await t.asOwner(`SELECT position FROM platform.event_log ORDER BY position`)).map((r: { position: string }) => Number(r.position));
  const batches = async (tbl: string): Promise<number[]> =>
    (await t.asOwner(`SELECT sum(n)::int AS n FROM spine_test.deletes WHERE tbl = $1 GROUP BY xid ORDER BY min(n) DESC`, [tbl])).map((r: { n: number }) => r.n);

  /** A log of old and recent events, some still read by deliveries, and one retention run over it. */
  const prunedLog = async () => {
    await logEvents(2_300, 40, 'tenant-a'); // positions 1..2300: older than 30 days
    await logEvents(5, 40, null); // 2301..2305: platform events of no tenant
    await logEvents(20, 2, 'tenant-a'); // 2306..2325: inside the window
    await deliveryFor(100, 'dead_letter', 1); // an operator may still replay it: its event stays
    await deliveryFor(200, 'failed', 0); // still being retried: its event stays
    await deliveryFor(300, 'dead_letter', 45); // dead-lettered long ago: dropped, then its event goes too
    return pruner.run();
  };

  it('prunes events older than the window in batches of its own transactions, keeps newer ones and those a delivery still reads, and drops old dead letters', async () => {
    const report = await prunedLog();

    expect(report).toMatchObject({ event_deliveries: 1, event_log: 2_305 - 2, busy: false });
    expect(await positions()).toEqual([100, 200, ...Array.from({ length: 20 }, (_, i) => 2306 + i)]);
    const states = await t.asOwner(`SELECT position::int AS p, state FROM platform.event_deliveries ORDER BY position`);
    expect(states).toEqual([
      { p: 100, state: 'dead_letter' },
      { p: 200, state: 'failed' },
    ]);
    // Never more than a batch per transaction, and the first batches full.
    const sizes = await batches('event_log');
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(2_303 / BATCH));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2_303);
    // How far each tenant's events were pruned, for the feed.
    const marks = await t.asOwner(`SELECT tenant_id, through::int AS through FROM platform.event_log_pruned ORDER BY tenant_id`);
    expect(marks).toEqual([
      { tenant_id: '', through: 2305 },
      { tenant_id: '*', through: 2305 },
      { tenant_id: 'tenant-a', through: 2300 },
    ]);
    const metrics = await t.app.get(MetricsService).render();
    expect(metrics).toContain('rcp_retention_pruned_rows_total{table="event_log"} 2303');
    expect(metrics).toContain('rcp_retention_pruned_rows_total{table="event_deliveries"} 1');

    // A second run finds nothing more to do.
    expect(await pruner.run()).toMatchObject({ event_log: 0, event_deliveries: 0 });
  });

  it('refuses a feed cursor behind what was pruned (400 validation_failed on after) and serves one at or past it', async () => {
    await prunedLog();
    const cursor = (p: number) => Buffer.from(JSON.stringify({ p })).toString('base64url');
    const feed = (token: string, after?: number) => {
      const r = request(t.app.getHttpServer()).get('/v1/events').set('authorization', `Bearer ${token}`);
      return after === undefined ? r : r.query({ after: cursor(after) });
    };
    const tenantA = t.token({ tenantId: 'tenant-a', roles: ['tenant:viewer'] });
    const tenantB = t.token({ tenantId: 'tenant-b', roles: ['tenant:viewer'] });
    const platform = t.token({ roles: ['platform:viewer'] });

    const behind = await feed(tenantA, 50);
    expect(behind.status).toBe(400);
    expect(behind.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'after', message: expect.stringContaining('older than') }] });
    expect(behind.body.detail).toContain('Start again without after');
    expect((await feed(platform, 2_304)).status).toBe(400); // platform events up to 2305 were pruned

    // At the pruned position: nothing was missed, the page goes on with the retained events.
    const at = await feed(tenantA, 2_300);
    expect(at.status).toBe(200);
    expect(at.body.items.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 2306 + i));
    // Without after, the feed starts at its oldest retained event (here the one a dead letter keeps).
    const fresh = await feed(tenantA);
    expect(fresh.status).toBe(200);
    expect(fresh.body.items[0].seq).toBe(100);
    // A tenant none of whose events were pruned is not refused.
    expect((await feed(tenantB, 50)).status).toBe(200);
    expect((await feed(platform, 2_305)).status).toBe(200);
  });

  it('keeps an inbox row while its delivery row exists, and prunes the rows of done deliveries after the inbox window', async () => {
    await prunedLog();
    await t.asOwner(`DELETE FROM platform.inbox`);
    const kept = await eventAt(200); // its delivery is still failing: a redelivery may come
    const done = await eventAt(2310);
    await t.asOwner(
      `INSERT INTO platform.inbox (event_id, handler, processed_at) VALUES
         ($1, $3, now() - interval '3 days'),
         ($2, $3, now() - interval '3 days'),
         ($2, 'NotifyOnWidgetChangedHandler', now() - interval '1 hour')`,
      [kept.id, done.id, HANDLER],
    );
    await t.asOwner(
      `INSERT INTO platform.inbox (event_id, handler, processed_at) SELECT gen_random_uuid(), $1, now() - interval '2 days' FROM generate_series(1, 1200)`,
      [HANDLER],
    );

    const report = await pruner.run();

    expect(report.inbox).toBe(1 + 1200);
    const left = await t.asOwner(`SELECT event_id, handler FROM platform.inbox ORDER BY event_id, handler`);
    expect(left).toEqual(
      expect.arrayContaining([
        { event_id: kept.id, handler: HANDLER },
        { event_id: done.id, handler: 'NotifyOnWidgetChangedHandler' }, // inside the 24 h window
      ]),
    );
    expect(left).toHaveLength(2);
    expect(Math.max(...(await batches('inbox')))).toBeLessThanOrEqual(BATCH);
  });

  it('prunes completed jobs after RETENTION_JOBS_DAYS and failed or dead-lettered ones after RETENTION_DEAD_LETTER_DAYS, never unfinished ones', async () => {
    const job = (label: string, state: string, createdDaysAgo: number, finishedDaysAgo: number | null) =>
      t.asOwner(
        `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts, target_id, created_at, updated_at, run_at, finished_at)
         VALUES (gen_random_uuid(), 'tenant-a', 'spinetest.flaky', $2, 5, $1, now() - make_interval(days => $3), now(), now(),
                 now() - make_interval(days => $4))`,
        [label, state, createdDaysAgo, finishedDaysAgo],
      );
    await job('completed-old', 'completed', 20, 20);
    await job('completed-long-run', 'completed', 20, 3); // created long ago, finished inside the window
    await job('completed-new', 'completed', 5, 5);
    await job('dead-40', 'dead_letter', 40, 40);
    await job('failed-20', 'failed', 20, 20);
    await job('queued-old', 'queued', 100, null);
    await job('running-old', 'running', 100, null);

    const report = await pruner.run();

    expect(report.jobs).toBe(2);
    const left = (await t.asOwner(`SELECT target_id FROM platform.jobs ORDER BY target_id`)).map((r: { target_id: string }) => r.target_id);
    expect(left).toEqual(['completed-long-run', 'completed-new', 'failed-20', 'queued-old', 'running-old']);
  });

  it('exports the audit entries to NDJSON files before deleting them, deletes only what it exported, and keeps them when the export fails', async () => {
    const old = await t.asOwner(
      `INSERT INTO platform.audit_log (occurred_at, tenant_id, actor, actor_kind, action, target_type, target_id, result, details)
       SELECT now() - interval '400 days' + (i || ' seconds')::interval, 'tenant-a', 'ops@example.com', 'user', 'tenant.suspend', 'tenant', 'a-' || i, 'allowed',
              jsonb_build_object('n', i)
       FROM generate_series(1, 1200) i RETURNING id`,
    );
    await t.asOwner(
      `INSERT INTO platform.audit_log (occurred_at, actor, actor_kind, action, target_type, result) VALUES (now() - interval '10 days', 'ops', 'user', 'recent.action', 'tenant', 'allowed')`,
    );
    const before = Number((await t.asOwner(`SELECT count(*) AS n FROM platform.audit_log`))[0].n);

    // The export directory cannot be created (a file is in the way): nothing is deleted.
    const blocked = join(exportDir, 'blocked');
    await writeFile(blocked, 'not a directory');
    const failing = new RetentionPruner(t.ds, t.app.get(MetricsService), { ...t.settings, RETENTION_AUDIT_EXPORT_DIR: join(blocked, 'audit') });
    expect((await failing.run()).audit_log).toBe(0);
    expect(Number((await t.asOwner(`SELECT count(*) AS n FROM platform.audit_log`))[0].n)).toBe(before);

    // Without an export directory the audit log is kept, unless pruning without export is explicitly allowed.
    const noExport = new RetentionPruner(t.ds, t.app.get(MetricsService), { ...t.settings, RETENTION_AUDIT_EXPORT_DIR: '' });
    expect(noExport.auditPolicy.prune).toBe(false);
    expect((await noExport.run()).audit_log).toBe(0);

    const report = await pruner.run();

    expect(report).toMatchObject({ audit_log: 1200, auditExported: 1200 });
    const files = (await readdir(exportDir)).filter((f) => f.endsWith('.ndjson')).sort();
    expect(files).toHaveLength(Math.ceil(1200 / BATCH));
    expect(files.every((f) => /^audit-\d{8}T\d{6}Z-\d+-\d+\.ndjson$/.test(f))).toBe(true);
    const lines = (await Promise.all(files.map((f) => readFile(join(exportDir, f), 'utf8')))).flatMap((s) => s.trim().split('\n')).map((l) => JSON.parse(l));
    expect(lines.map((l) => String(l.id)).sort()).toEqual(old.map((r: { id: string }) => String(r.id)).sort());
    expect(lines[0]).toMatchObject({ actor: 'ops@example.com', action: 'tenant.suspend', target_type: 'tenant', result: 'allowed', tenant_id: 'tenant-a', details: { n: 1 } });
    expect(lines[0].occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+\+00:00$/);
    const left = await t.asOwner(`SELECT action FROM platform.audit_log WHERE action IN ('tenant.suspend', 'recent.action')`);
    expect(left).toEqual([{ action: 'recent.action' }]);
    expect(Math.max(...(await batches('audit_log')))).toBeLessThanOrEqual(BATCH);
    expect(await t.app.get(MetricsService).render()).toContain('rcp_retention_audit_exported_rows_total 1200');
  });

  it('does nothing while another process holds the pruning lock', async () => {
    await logEvents(10, 40, 'tenant-c');
    const other = await adminClient(t.dbUrl);
    try {
      await other.query(`SELECT pg_advisory_lock($1)`, [RETENTION_LOCK_KEY]);
      const report = await pruner.run();
      expect(report.busy).toBe(true);
      expect(report.event_log).toBe(0);
      expect(Number((await t.asOwner(`SELECT count(*) AS n FROM platform.event_log WHERE tenant_id = 'tenant-c'`))[0].n)).toBe(10);
    } finally {
      await other.end();
    }
    expect((await pruner.run()).event_log).toBe(10);
  });
  it('keeps the audit log append-only for the runtime login: no DELETE, and the pruning function never removes an entry younger than 30 days', async () => {
    const [row] = await t.asOwner(
      `INSERT INTO platform.audit_log (occurred_at, actor, actor_kind, action, target_type, result) VALUES (now() - interval '29 days', 'ops', 'user', 'young.action', 'tenant', 'allowed') RETURNING id`,
    );
    await expect(t.ds.query(`DELETE FROM platform.audit_log WHERE id = $1`, [row.id])).rejects.toThrow(/permission denied/);
    const [r] = await t.ds.query(`SELECT platform.prune_audit_entries(ARRAY[$1::bigint], now()) AS deleted`, [row.id]);
    expect(r.deleted).toBe(0);
    expect(await t.asOwner(`SELECT id FROM platform.audit_log WHERE id = $1`, [row.id])).toHaveLength(1);
  });
});
