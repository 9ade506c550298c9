import { eventually } from '@rcp/testing';
import { SpineApp, startSpineApp } from '../../support/spine-app';
import { FlakyJobPayload, asTenantUser } from '../../support/spine-fixtures';

jest.setTimeout(20_000);

/** The job ledger: Postgres records every job's life (queued → running → retrying … → completed | dead_letter). */
describe('job ledger', () => {
  let t: SpineApp;
  beforeAll(async () => (t = await startSpineApp({ RCP_ROLE: 'all', JOB_MAX_ATTEMPTS: '3', JOB_BACKOFF_BASE_MS: '20' })));
  afterAll(async () => t?.close());

  const enqueue = (payload: FlakyJobPayload) => asTenantUser(() => t.jobs.enqueue('spinetest.flaky', payload, { targetType: 'widget', targetId: 'w-1' }));
  const finished = (id: string) =>
    eventually(async () => {
      const [job] = await t.ds.query(`SELECT state, attempts FROM platform.jobs WHERE id = $1`, [id]);
      return ['completed', 'failed', 'dead_letter'].includes(job.state) ? job : undefined;
    }, 10_000);
  const transitions = async (id: string) =>
    (await t.ds.query(`SELECT state FROM spine_test.job_transitions WHERE job_id = $1 ORDER BY id`, [id])).map((r: { state: string }) => r.state);
  const effects = async (id: string) => (await t.ds.query(`SELECT attempt FROM spine_test.job_effects WHERE job_id = $1`, [id])).map((r: { attempt: number }) => r.attempt);
  const http = () => t.http();

  it('retries a job that fails twice and completes it on the third attempt, with one effect, passing through retrying', async () => {
    // Each attempt works 300 ms before its effect, so a finishedAt taken at the start of the attempt's transaction shows.
    const [{ before }] = await t.ds.query(`SELECT clock_timestamp() AS before`);
    const id = await enqueue({ failTimes: 2, workMs: 300 });
    expect(await finished(id)).toEqual({ state: 'completed', attempts: 3 });
    const [{ after }] = await t.ds.query(`SELECT clock_timestamp() AS after`);
    expect(await transitions(id)).toEqual(['queued', 'running', 'retrying', 'running', 'retrying', 'running', 'completed']);
    // The failed attempts' writes were rolled back with them; the successful one committed with "completed".
    expect(await effects(id)).toEqual([3]);

    const res = await http().get(`/v1/jobs/${id}`).set('authorization', `Bearer ${t.token({ roles: ['platform:admin'] })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name: 'spinetest.flaky', state: 'completed', attempts: 3, maxAttempts: 3, lastError: null, tenantId: 'tenant-a', targetType: 'widget', targetId: 'w-1' });
    // finishedAt is a real time within the run (taken by the database before enqueueing and after the
    // job was seen finished), and not before the successful attempt's effect was written (not when
    // its transaction began, 300 ms of work earlier).
    const finishedAt = Date.parse(res.body.finishedAt);
    expect(res.body.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    expect(finishedAt).toBeGreaterThan(new Date(before).getTime());
    expect(finishedAt).toBeLessThanOrEqual(new Date(after).getTime());
    const [effect] = await t.ds.query(`SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso FROM spine_test.job_effects WHERE job_id = $1`, [id]);
    expect(finishedAt).toBeGreaterThanOrEqual(Date.parse(effect.iso));
  });

  it('dead-letters a job that always fails after JOB_MAX_ATTEMPTS attempts and shows why over the API', async () => {
    const id = await enqueue({ failTimes: 1000 });
    expect(await finished(id)).toEqual({ state: 'dead_letter', attempts: 3 });
    expect(await transitions(id)).toEqual(['queued', 'running', 'retrying', 'running', 'retrying', 'running', 'dead_letter']);
    expect(await effects(id)).toEqual([]);

    const owner = await http().get(`/v1/jobs/${id}`).set('authorization', `Bearer ${t.token({ tenantId: 'tenant-a', roles: ['tenant:viewer'] })}`);
    expect(owner.status).toBe(200);
    expect(owner.body).toMatchObject({ id, state: 'dead_letter', attempts: 3, maxAttempts: 3 });
    expect(owner.body.lastError).toContain('flaky job failed on purpose (attempt 3)');
    // Another tenant cannot see it (row-level security): a 404, not a 403.
    const stranger = await http().get(`/v1/jobs/${id}`).set('authorization', `Bearer ${t.token({ tenantId: 'tenant-b', roles: ['tenant:viewer'] })}`);
    expect(stranger.status).toBe(404);
    const listed = await http().get('/v1/jobs').query({ state: 'dead_letter' }).set('authorization', `Bearer ${t.token({ roles: ['platform:viewer'] })}`);
    expect(listed.body.items.map((j: { id: string }) => j.id)).toEqual([id]);
  });
});
