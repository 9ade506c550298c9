import { AppProcess, startAppProcess, until, useFaultDatabase } from './support/harness';
import { ACT_HANDLER, RECORD_HANDLER, appendProbes, attempts, createProbeTables, effects } from './support/probe';

jest.setTimeout(120_000);

/**
 * Guarantee 6 of OUTBOX.md with two builds running side by side: the old one has only the record
 * handler, the new one also the act handler. Whichever holds the relay's lock, the new handler receives
 * every event relayed after its build first started, and the old build never takes its deliveries (so
 * none is dead-lettered with "no handler named …").
 */
describe('a rolling deploy that adds a handler', () => {
  const db = useFaultDatabase(createProbeTables);

  const leads = async (p: AppProcess) => /^rcp_relay_leader 1$/m.test(await p.metrics());

  it('delivers to the new handler whichever build leads, and the old build leaves its deliveries alone', async () => {
    const old = await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'old', env: { PROBE_HANDLERS: 'record' } });
    await until(() => leads(old), 10_000, 'old build leads');
    // Before the new build exists, its handler has no subscription: these events are not for it.
    await appendProbes(db, [{ aggregateId: 'before', n: 1 }]);
    await until(async () => (await effects(db, { handler: RECORD_HANDLER, aggregatePrefix: 'before' })).length === 1, 10_000, 'old build works');

    const fresh = await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'new', env: { PROBE_HANDLERS: 'record,act' } });
    expect(await leads(old)).toBe(true);
    expect(await leads(fresh)).toBe(false);
    // The old leader fans out to the handler only the new build has.
    for (let n = 1; n <= 5; n++) await appendProbes(db, Array.from({ length: 6 }, (_, a) => ({ aggregateId: `roll-${a}`, n })));
    await until(async () => (await effects(db, { handler: ACT_HANDLER, aggregatePrefix: 'roll-' })).length === 30, 20_000, 'new handler effects under the old leader');

    // The old build goes; the new one leads. Then an old worker comes back (a rollback in progress) and
    // runs beside the new leader: it still takes none of the new handler's deliveries.
    const stopped = await old.stop(15_000);
    expect(stopped.graceful).toBe(true);
    await until(() => leads(fresh), 10_000, 'new build leads');
    const oldAgain = await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'old-again', env: { PROBE_HANDLERS: 'record' } });
    for (let n = 6; n <= 10; n++) await appendProbes(db, Array.from({ length: 6 }, (_, a) => ({ aggregateId: `roll-${a}`, n })));
    await until(async () => (await effects(db, { aggregatePrefix: 'roll-' })).length === 120, 20_000, 'every effect');
    await until(async () => (await db.count(`SELECT count(*) AS n FROM platform.event_deliveries`)) === 0, 10_000, 'no delivery left');

    const all = await effects(db, { aggregatePrefix: 'roll-' });
    for (const handler of [RECORD_HANDLER, ACT_HANDLER]) {
      for (let a = 0; a < 6; a++) {
        expect(all.filter((e) => e.handler === handler && e.aggregate_id === `roll-${a}`).map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      }
    }
    // Only the new build ever ran the new handler, each event once; nothing was dead-lettered or failed.
    const act = all.filter((e) => e.handler === ACT_HANDLER);
    expect(new Set(act.map((e) => e.process_pid))).toEqual(new Set([fresh.pid]));
    for (let a = 0; a < 6; a++) expect(await attempts(db, ACT_HANDLER, `roll-${a}`)).toHaveLength(10);
    expect(await effects(db, { handler: ACT_HANDLER, aggregatePrefix: 'before' })).toEqual([]);
    const registered = await db.query(`SELECT handler FROM platform.event_subscriptions WHERE event_type = 'rcp.faulttest.probe-recorded.v1' ORDER BY handler`);
    expect(registered.map((r) => r.handler)).toEqual([ACT_HANDLER, RECORD_HANDLER]);
    expect(oldAgain.output()).not.toMatch(/no handler named/);
    expect(fresh.output()).not.toMatch(/no handler named/);
  });
});
