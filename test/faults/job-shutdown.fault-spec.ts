import { startAppProcess, until, useFaultDatabase } from './support/harness';
import { createJobProbeTables, enqueueEffectJobs, jobCalls, jobEffects, jobTransitions, ledger, outsideWork } from './support/job-probe';

jest.setTimeout(180_000);

const FIXTURE = 'fixtures/jobs.fixture';

/**
 * Issue 11 item 9: a job longer than the shutdown grace was abandoned at SIGTERM until its lease
 * expired. A stopping worker waits for its jobs up to JOB_SHUTDOWN_GRACE_MS, then hands back those
 * still running, and another worker finishes them at once.
 */
describe('a worker stopped (SIGTERM) during long jobs', () => {
  const db = useFaultDatabase(createJobProbeTables);

  it('hands its running jobs back: another worker finishes them within seconds of its exit, each effect once', async () => {
    const stopping = await startAppProcess({ db, role: 'worker', fixture: FIXTURE, name: 'stopping', env: { JOB_SHUTDOWN_GRACE_MS: '1500' } });
    // First calls take a minute: far longer than the grace (and than the lease, which keeps being renewed).
    const ids = await enqueueEffectJobs(db, [1, 2, 3].map((i) => ({ key: `long-${i}`, slowFirstMs: 60_000 })));
    await until(async () => (await jobCalls(db)).length === ids.length, 20_000, 'every job running');
    for (const id of ids) expect((await ledger(db, id)).state).toBe('running');
    const other = await startAppProcess({ db, role: 'worker', fixture: FIXTURE, name: 'other' });

    const stopped = await stopping.stop(30_000);
    expect(stopped.graceful).toBe(true);
    await until(async () => (await Promise.all(ids.map((id) => ledger(db, id)))).every((r) => r.state === 'completed'), 30_000, 'the handed-back jobs completed');
    for (const id of ids) {
      const row = await ledger(db, id);
      // Finished within seconds of the exit, not when a lease ran out; the handed-back attempt was not counted.
      expect(row.finished_at!.getTime() - stopped.at).toBeLessThan(8_000);
      expect(row.attempts).toBe(1);
      expect(await jobTransitions(db, id)).toEqual(['queued', 'running', 'retrying', 'running', 'completed']);
      const effects = await jobEffects(db, id);
      expect(effects).toEqual([{ process_pid: other.pid }]);
      expect((await jobCalls(db, id)).map((c) => c.process_pid)).toEqual([stopping.pid, other.pid]);
      expect(await outsideWork(db, id)).toBe(1);
    }
    expect((await other.stop(30_000)).graceful).toBe(true);
  });
});
