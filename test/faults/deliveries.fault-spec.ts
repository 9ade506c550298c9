import { signLocalToken } from '@rcp/auth';
import { TEST_JWT_SECRET } from '@rcp/testing';
import { AppProcess, startAppProcess, until, useFaultDatabase } from './support/harness';
import { ACT_HANDLER, RECORD_HANDLER, appendProbes, attempts, createProbeTables, effects, setBehaviour } from './support/probe';

jest.setTimeout(120_000);

const TIMEOUT_MS = 1500;
const MAX_ATTEMPTS = 3;

/**
 * Guarantees 4 and 5 of OUTBOX.md with a real worker process: a hung handler (a promise that never
 * settles, or a statement that never ends) is cut off by its time limit and delays nothing but its own
 * (handler, aggregate) queue; a slow one likewise; a dead letter holds the later events of its queue,
 * visibly, and a replay delivers them in order, a skip releases them.
 */
describe('deliveries under hung, slow and failing handlers', () => {
  const db = useFaultDatabase(createProbeTables);
  let app: AppProcess;
  const admin = signLocalToken({ roles: ['platform:admin'] }, TEST_JWT_SECRET);
  const api = (path: string, method = 'GET') => app.http(path, { method, headers: { authorization: `Bearer ${admin}` } });
  const deliveriesOf = (aggregateId: string, handler = ACT_HANDLER) =>
    db.query<{ id: string; n: number; state: string; attempts: number; head: boolean; last_error: string | null }>(
      `SELECT d.id, (e.envelope->'data'->>'n')::int AS n, d.state, d.attempts, d.head, d.last_error
       FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id
       WHERE d.handler = $1 AND d.aggregate_id = $2 ORDER BY d.position`,
      [handler, aggregateId],
    );
  const ns = async (handler: string, aggregateId: string) => (await effects(db, { handler, aggregatePrefix: aggregateId })).filter((e) => e.aggregate_id === aggregateId).map((e) => e.n);

  beforeAll(async () => {
    app = await startAppProcess({
      db,
      role: 'all',
      fixture: 'fixtures/probe.fixture',
      name: 'all-1',
      env: { DELIVERY_HANDLER_TIMEOUT_MS: String(TIMEOUT_MS), DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS), DELIVERY_CONCURRENCY: '4' },
    });
  });

  it('cuts off hung handlers and keeps every other handler and aggregate at its latency', async () => {
    await setBehaviour(db, 'hung-js', 'hang');
    await setBehaviour(db, 'hung-db', 'hang-db');
    await setBehaviour(db, 'slow', 'slow:800');
    await appendProbes(db, [1, 2].flatMap((n) => ['hung-js', 'hung-db', 'slow'].map((aggregateId) => ({ aggregateId, n }))));
    // While those hang, a steady stream of unrelated events.
    for (let n = 1; n <= 10; n++) {
      await appendProbes(db, Array.from({ length: 10 }, (_, a) => ({ aggregateId: `calm-${a}`, n })));
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(async () => (await effects(db, { aggregatePrefix: 'calm-' })).length === 200, 20_000, 'every calm effect');
    const calm = await effects(db, { aggregatePrefix: 'calm-' });
    // Nothing waited for the hung ones: at most one time limit of the hung handlers could ever be added,
    // and the bound stays below it.
    expect(Math.max(...calm.map((e) => e.latency_ms))).toBeLessThan(TIMEOUT_MS);
    for (let a = 0; a < 10; a++) {
      for (const handler of [RECORD_HANDLER, ACT_HANDLER]) expect(await ns(handler, `calm-${a}`)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    // The other handler of the hung aggregates' events was not held either.
    expect(await ns(RECORD_HANDLER, 'hung-js')).toEqual([1, 2]);
    expect(await ns(RECORD_HANDLER, 'hung-db')).toEqual([1, 2]);
    // The slow handler finished, in order.
    await until(async () => (await ns(ACT_HANDLER, 'slow')).length === 2, 10_000, 'slow effects');
    expect(await ns(ACT_HANDLER, 'slow')).toEqual([1, 2]);

    // Each hung delivery was cut off MAX_ATTEMPTS times and dead-lettered; its second event is held behind it.
    for (const aggregateId of ['hung-js', 'hung-db']) {
      const rows = await until(async () => {
        const r = await deliveriesOf(aggregateId);
        return r[0]?.state === 'dead_letter' ? r : undefined;
      }, 30_000, `${aggregateId} dead-lettered`);
      expect(rows.map((r) => [r.n, r.state, r.head])).toEqual([
        [1, 'dead_letter', true],
        [2, 'pending', false],
      ]);
      expect(rows[0].attempts).toBe(MAX_ATTEMPTS);
      expect(rows[0].last_error).toContain('cut off');
      expect((await attempts(db, ACT_HANDLER, aggregateId)).map((a) => a.n)).toEqual(Array(MAX_ATTEMPTS).fill(1));
    }
    // No transaction of the app was left open by the hung handlers.
    expect(
      await db.count(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name <> 'rcp-fault-test'
           AND state LIKE 'idle in transaction%' AND now() - xact_start > interval '${TIMEOUT_MS * 2} milliseconds'`,
      ),
    ).toBe(0);
    // Operators see both: the dead letter and the delivery held behind it.
    const listed = (await (await api('/v1/event-deliveries?limit=100')).json()) as { items: Array<{ handler: string; state: string; held: boolean }> };
    const hung = listed.items.filter((d) => d.handler === ACT_HANDLER);
    expect(hung.filter((d) => d.state === 'dead_letter' && !d.held)).toHaveLength(2);
    expect(hung.filter((d) => d.state === 'pending' && d.held)).toHaveLength(2);
    // The gauges are refreshed by the relay leader's maintenance round: the held deliveries show at the next one.
    await until(async () => /rcp_event_deliveries\{state="held"\} 2/.test(await app.metrics()), 10_000, 'the held gauge');
  });

  it('holds an aggregate\'s later events behind its dead letter and delivers them in order after a replay', async () => {
    await setBehaviour(db, 'dl-replay', 'fail');
    await appendProbes(db, [1, 2, 3].map((n) => ({ aggregateId: 'dl-replay', n })));
    const rows = await until(async () => {
      const r = await deliveriesOf('dl-replay');
      return r[0]?.state === 'dead_letter' ? r : undefined;
    }, 20_000, 'dead letter');
    expect(rows.map((r) => [r.n, r.state, r.head])).toEqual([
      [1, 'dead_letter', true],
      [2, 'pending', false],
      [3, 'pending', false],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await ns(ACT_HANDLER, 'dl-replay')).toEqual([]);
    expect(await ns(RECORD_HANDLER, 'dl-replay')).toEqual([1, 2, 3]);

    await setBehaviour(db, 'dl-replay', 'ok');
    const replay = await api(`/v1/event-deliveries/${rows[0].id}/replay`, 'POST');
    expect(replay.status).toBe(200);
    await until(async () => (await ns(ACT_HANDLER, 'dl-replay')).length === 3, 10_000, 'replayed effects');
    expect(await ns(ACT_HANDLER, 'dl-replay')).toEqual([1, 2, 3]);
    expect(await deliveriesOf('dl-replay')).toEqual([]);
  });

  it('releases the held events in order when an operator skips the dead letter, which never runs again', async () => {
    await setBehaviour(db, 'dl-skip', 'fail');
    await appendProbes(db, [1, 2, 3].map((n) => ({ aggregateId: 'dl-skip', n })));
    const rows = await until(async () => {
      const r = await deliveriesOf('dl-skip');
      return r[0]?.state === 'dead_letter' ? r : undefined;
    }, 20_000, 'dead letter');
    // Only a dead letter may be skipped.
    const early = await api(`/v1/event-deliveries/${rows[1].id}/skip`, 'POST');
    expect(early.status).toBe(409);
    expect(((await early.json()) as { code: string }).code).toBe('invalid_state_transition');

    await setBehaviour(db, 'dl-skip', 'ok');
    const skip = await api(`/v1/event-deliveries/${rows[0].id}/skip`, 'POST');
    expect(skip.status).toBe(204);
    await until(async () => (await ns(ACT_HANDLER, 'dl-skip')).length === 2, 10_000, 'released effects');
    expect(await ns(ACT_HANDLER, 'dl-skip')).toEqual([2, 3]);
    expect((await attempts(db, ACT_HANDLER, 'dl-skip')).map((a) => a.n)).toEqual([...Array(MAX_ATTEMPTS).fill(1), 2, 3]);
    expect((await api(`/v1/event-deliveries/${rows[0].id}/skip`, 'POST')).status).toBe(404);
    const audit = await db.query(`SELECT result FROM platform.audit_log WHERE action = 'event-delivery.skip' ORDER BY id`);
    expect(audit.map((a) => a.result)).toEqual(['denied', 'allowed', 'denied']);
  });

  it('stops gracefully within seconds even with a handler hung at the time', async () => {
    await setBehaviour(db, 'hung-at-stop', 'hang');
    await appendProbes(db, [{ aggregateId: 'hung-at-stop', n: 1 }]);
    await until(async () => (await attempts(db, ACT_HANDLER, 'hung-at-stop')).length === 1, 10_000, 'hung attempt');
    const stopped = await app.stop(TIMEOUT_MS + 10_000);
    expect(stopped.graceful).toBe(true);
  });
});
