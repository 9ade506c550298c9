import { Queue, Worker } from 'bullmq';
import { JOBS_QUEUE, bullConnection } from '@rcp/jobs';
import { TEST_REDIS_URL, eventually } from '@rcp/testing';
import { SpineApp, startSpineApp } from '../../support/spine-app';
import { asTenantUser } from '../../support/spine-fixtures';

jest.setTimeout(40_000);

/**
 * Issue 11 item 10: after a graceful restart a few jobs waited ~90 s. Their BullMQ hints had been taken
 * by the stopping process (state `active`, locked for 30 s, then found by BullMQ's stalled-job check
 * every 30 s), and the sweeper's re-added hint used the same id, which BullMQ ignores while that hint
 * exists. A job whose hint is held by a process that will not run it must run within seconds.
 */
describe('a job hint held by a process that stopped', () => {
  let api: SpineApp;
  let worker: SpineApp | undefined;
  let queue: Queue;
  beforeAll(async () => {
    // A process without the worker role records jobs and their hints; nothing runs them yet.
    api = await startSpineApp({ RCP_ROLE: 'api' });
    queue = new Queue(JOBS_QUEUE, { connection: bullConnection(TEST_REDIS_URL), prefix: api.redisPrefix });
  });
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await api?.close();
  });

  it('runs the job within seconds of a worker being up, once', async () => {
    const id = await asTenantUser(() => api.jobs.enqueue('spinetest.flaky', { failTimes: 0 }));
    // Another process takes the hint and stops without running it: force-closed, its lock lingers.
    const stopping = new Worker(JOBS_QUEUE, () => new Promise<never>(() => undefined), { connection: bullConnection(TEST_REDIS_URL), prefix: api.redisPrefix });
    await eventually(async () => (await queue.getJobState(`${id}-0`)) === 'active', 5000);
    await stopping.close(true);
    expect(await queue.getJobState(`${id}-0`)).toBe('active');

    // A worker starts (default JOB_SWEEP_INTERVAL_MS): its sweep must not wait for BullMQ's lock to expire.
    worker = await startSpineApp({ RCP_ROLE: 'worker' }, { url: api.dbUrl, prefix: api.redisPrefix });
    const up = Date.now();
    const job = await eventually(async () => {
      const [row] = await api.ds.query(`SELECT state, attempts FROM platform.jobs WHERE id = $1`, [id]);
      return row.state === 'completed' ? row : undefined;
    }, 8000, 100);
    expect(Date.now() - up).toBeLessThan(8000);
    expect(job).toEqual({ state: 'completed', attempts: 1 });
    expect(await api.count(`SELECT count(*) AS n FROM spine_test.job_effects WHERE job_id = $1`, [id])).toBe(1);
  });
});
