import { AppProcess, startAppProcess, until, useFaultDatabase } from './support/harness';
import { ACT_HANDLER, RECORD_HANDLER, appendProbes, createProbeTables, effects } from './support/probe';

jest.setTimeout(120_000);

/**
 * Guarantees 2 and 3 of OUTBOX.md with real processes: a worker process killed (SIGKILL) in the middle of
 * a stream of deliveries loses nothing, and the worker that takes over does nothing twice.
 */
describe('a worker process killed while delivering', () => {
  const db = useFaultDatabase(createProbeTables);

  it('loses no delivery and runs none twice when a second worker takes over', async () => {
    const first: AppProcess = await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'worker-1' });
    const aggregates = 20;
    const versions = 15;
    const producing = (async () => {
      for (let n = 1; n <= versions; n++) {
        await appendProbes(db, Array.from({ length: aggregates }, (_, a) => ({ aggregateId: `crash-${a}`, n })));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Kill it once it is busy delivering, while events are still being committed.
    await until(async () => (await db.count(`SELECT count(*) AS n FROM fault_test.effects`)) >= 40, 20_000, 'first effects');
    first.signal('SIGKILL');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    await producing;

    const second = await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'worker-2' });
    const total = aggregates * versions * 2;
    await until(async () => (await db.count(`SELECT count(*) AS n FROM fault_test.effects`)) >= total, 60_000, 'every effect');
    await until(async () => (await db.count(`SELECT count(*) AS n FROM platform.event_deliveries`)) === 0, 10_000, 'no delivery left');

    // Nothing lost, nothing twice, and each aggregate's events in order per handler.
    const all = await effects(db);
    expect(all).toHaveLength(total);
    expect(new Set(all.map((e) => `${e.handler}/${e.event_id}`)).size).toBe(total);
    for (const handler of [RECORD_HANDLER, ACT_HANDLER]) {
      for (let a = 0; a < aggregates; a++) {
        const ns = all.filter((e) => e.handler === handler && e.aggregate_id === `crash-${a}`).map((e) => e.n);
        expect(ns).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
      }
    }
    expect(new Set(all.map((e) => e.process_pid))).toEqual(new Set([first.pid, second.pid]));
    const stopped = await second.stop(20_000);
    expect(stopped.graceful).toBe(true);
  });
});
