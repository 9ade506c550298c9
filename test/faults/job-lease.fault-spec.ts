import { AppProcess, startAppProcess, until, useFaultDatabase } from './support/harness';
import { createJobProbeTables, enqueueEffectJobs, jobCalls, jobEffects, jobTransitions, ledger, outsideWork } from './support/job-probe';

jest.setTimeout(180_000);

const FIXTURE = 'fixtures/jobs.fixture';

/**
 * Issue 11 items 8 and 9: a job's lease under process faults, with real processes. The leader (which
 * sweeps for expired leases) is started first and runs one job at a time, so the second worker takes
 * most of the jobs; that second worker is the one frozen or killed.
 */
describe('a job whose worker stops mid-run', () => {
  const db = useFaultDatabase(createJobProbeTables);

  /** Starts the leader, waits until it leads, then starts the worker the test will stop. */
  async function leaderAndWorker(env: Record<string, string>): Promise<{ leader: AppProcess; worker: AppProcess }> {
    const leader = await startAppProcess({ db, role: 'worker', fixture: FIXTURE, name: 'leader', env: { ...env, JOB_CONCURRENCY: '1' } });
    await until(async () => /^rcp_relay_leader 1$/m.test(await leader.metrics()), 10_000, 'leader leads');
    const worker = await startAppProcess({ db, role: 'worker', fixture: FIXTURE, name: 'worker', env });
    return { leader, worker };
  }

  /** The jobs whose first call ran in `proc`, once every job has been called. */
  async function jobsFirstRunBy(ids: string[], proc: AppProcess): Promise<string[]> {
    const calls = await until(async () => {
      const all = await jobCalls(db);
      return ids.every((id) => all.some((c) => c.job_id === id)) ? all : undefined;
    }, 20_000, 'every job called');
    return ids.filter((id) => calls.find((c) => c.job_id === id)!.process_pid === proc.pid);
  }

  it('runs a job once when its worker is frozen past the lease and another takes it over: the frozen run commits nothing', async () => {
    const { leader, worker } = await leaderAndWorker({ JOB_LEASE_SECONDS: '3', JOB_SWEEP_INTERVAL_MS: '200' });
    const ids = await enqueueEffectJobs(db, [1, 2, 3].map((i) => ({ key: `frozen-${i}`, slowFirstMs: 6000 })));
    const frozen = await jobsFirstRunBy(ids, worker);
    expect(frozen.length).toBeGreaterThan(0);

    // Frozen mid-run (after its outside call, before its effect), until the leader has run its jobs.
    worker.signal('SIGSTOP');
    const takenOver = await until(async () => {
      const rows = await Promise.all(frozen.map((id) => ledger(db, id)));
      return rows.every((r) => r.state === 'completed') ? rows : undefined;
    }, 60_000, 'the frozen worker\'s jobs completed elsewhere');
    expect(takenOver.map((r) => r.attempts)).toEqual(frozen.map(() => 2));

    // Thawed: its runs finish their work and try to commit; the fence turns each away.
    worker.signal('SIGCONT');
    for (const id of frozen) await worker.waitForOutput(new RegExp(`${id} attempt 1 lost its lease`), 20_000);

    for (const id of ids) {
      // The effect once, written by the run that held the lease; the ledger completed once.
      const effects = await jobEffects(db, id);
      expect(effects).toHaveLength(1);
      if (frozen.includes(id)) expect(effects[0].process_pid).toBe(leader.pid);
      expect((await jobTransitions(db, id)).filter((s) => s === 'completed')).toHaveLength(1);
      expect((await ledger(db, id)).state).toBe('completed');
      // The outside world did the work once: every call carried the job's own idempotency key.
      const calls = await jobCalls(db, id);
      expect(new Set(calls.map((c) => c.idempotency_key))).toEqual(new Set([id]));
      expect(await outsideWork(db, id)).toBe(1);
    }
    // The frozen worker did call the handler a second time for none of them: both runs of a frozen job are its one call and the leader's.
    for (const id of frozen) expect((await jobCalls(db, id)).map((c) => c.process_pid)).toEqual([worker.pid, leader.pid]);

    expect((await worker.stop(30_000)).graceful).toBe(true);
    expect((await leader.stop(30_000)).graceful).toBe(true);
  });

  it('runs the jobs of a SIGKILLed worker again within seconds of their lease (default lease and sweep)', async () => {
    const { leader, worker } = await leaderAndWorker({});
    const ids = await enqueueEffectJobs(db, [1, 2, 3].map((i) => ({ key: `killed-${i}`, slowFirstMs: 4000 })));
    const killed = await jobsFirstRunBy(ids, worker);
    expect(killed.length).toBeGreaterThan(0);

    worker.signal('SIGKILL');
    const { at: killedAt } = await worker.exited;
    await until(async () => (await Promise.all(killed.map((id) => ledger(db, id)))).every((r) => r.state === 'completed'), 60_000, 'the killed worker\'s jobs completed');
    const done = await Promise.all(killed.map((id) => ledger(db, id)));
    // The lease (JOB_LEASE_SECONDS, 15 s by default) ran out at most 15 s after the kill; then a sweep
    // (every second) and the run itself. It was 64 s with the old 60 s lease and 5 s sweep.
    for (const row of done) expect(row.finished_at!.getTime() - killedAt).toBeLessThan(25_000);
    for (const id of ids) {
      expect(await jobEffects(db, id)).toHaveLength(1);
      expect((await jobTransitions(db, id)).filter((s) => s === 'completed')).toHaveLength(1);
    }
    expect((await leader.stop(30_000)).graceful).toBe(true);
  });
});
