import { feedQuery } from '../../../libs/messaging/src/events.controller';
import { Actor } from '@rcp/observability';
import { TransactionManager, scopeOf } from '@rcp/persistence';
import { planNodes, planOf, startTestApp } from '@rcp/testing';

jest.setTimeout(120_000);

type App = Awaited<ReturnType<typeof startTestApp>>;



const EVENTS = 150_000;
const TENANTS = 100;
/** tenant-7 wrote nothing in the newest fifth of the log, while the others went on. */
const QUIET_FROM = EVENTS * 0.8;

/**
 * Issue 9, "tenant scope on every path": the feed names the caller's tenant explicitly as well as relying
 * on row-level security. The policy alone (`tenant_id = <setting> OR <platform>`) cannot use the
 * `(tenant_id, position)` index, so a tenant's poll read the whole log (139 ms at 300k events, for a
 * poll that finds nothing). With the tenant named, every read of `platform.event_log` in the feed's
 * statement (the page and the head) goes through that index.
 */
describe('GET /v1/events query plan for a tenant on 150k events', () => {
  let t: App;
  let tx: TransactionManager;
  /** Where tenant-7's consumer stands once caught up (the feed's `resumeAfter`): its newest event. */
  let head: number;

  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api' });
    tx = t.app.get(TransactionManager);
    await t.asOwner(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
       SELECT i, gen_random_uuid(), 'tenant-' || CASE WHEN i % ${TENANTS} = 7 AND i > ${QUIET_FROM} THEN 8 ELSE i % ${TENANTS} END, 'rcp.inventory.environment-ready.v1', 'RuntimeEnvironment', 'env-' || (i % 5000), i / 5000 + 1,
              jsonb_build_object('id', i::text, 'type', 'rcp.inventory.environment-ready.v1'), now()
       FROM generate_series(1, ${EVENTS}) i`,
    );
    await t.asOwner(`VACUUM (ANALYZE) platform.event_log`);
    [{ head }] = await t.asOwner(`SELECT max(position)::int AS head FROM platform.event_log WHERE tenant_id = 'tenant-7'`);
  });
  afterAll(async () => t?.close());

  const tenantViewer: Actor = { sub: 'dev', kind: 'user', tenantId: 'tenant-7', roles: ['tenant:viewer'] };

  const explain = async (actor: Actor, filter: { after: number; type?: string }) => {
    const { sql, params } = feedQuery(actor, { ...filter, limit: 50 });
    const [row] = await tx.run((m) => m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params), scopeOf(actor));
    const plan = planOf(row);
    return planNodes(plan)
      .filter((n) => n['Relation Name'] === 'event_log')
      .map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
  };

  it.each<[string, { after: number; type?: string }]>([
    ['a caught-up poll (after its newest event, 30k events of others since)', { after: Number.NaN }],
    ['a poll from the start', { after: 0 }],
    ['a caught-up poll for one type', { after: Number.NaN, type: 'rcp.inventory.environment-ready.v1' }],
  ])('%s reads the log through the (tenant_id, position) index, never a sequential scan', async (_name, filter) => {
    const scans = await explain(tenantViewer, { ...filter, after: Number.isNaN(filter.after) ? head : filter.after });
    expect(scans.length).toBeGreaterThanOrEqual(2);
    expect(scans).not.toContainEqual(expect.stringMatching(/Seq Scan/));
    for (const scan of scans) expect(scan).toMatch(/^Index (Only )?Scan( Backward)? event_log_tenant_position$/);
  });

  it('a platform token (every tenant) reads the page in position order through the primary key', async () => {
    const platformViewer: Actor = { sub: 'ops', kind: 'user', tenantId: null, roles: ['platform:viewer'] };
    const scans = await explain(platformViewer, { after: head });
    expect(scans).not.toContainEqual(expect.stringMatching(/Seq Scan/));
    expect(scans).toContainEqual(expect.stringMatching(/^Index (Only )?Scan( Backward)? event_log_pkey$/));
  });
});
