import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

describe('Jobs API (e2e)', () => {
  let t: App;
  let admin: string;
  const http = () => t.http();
  const insertJob = async (state: string, tenantId: string | null, name = 'test.unknown-job', more: { projectId?: string; createdAt?: string } = {}) => {
    const id = randomUUID();
    const columns = ['id', 'tenant_id', 'name', 'payload', 'state', 'attempts', 'max_attempts', 'last_error'];
    const values: unknown[] = [id, tenantId, name, '{}', state, 5, 5, 'boom'];
    for (const [column, value] of [['project_id', more.projectId], ['created_at', more.createdAt]]) {
      if (value === undefined) continue;
      columns.push(column!);
      values.push(value);
    }
    await t.ds.query(`INSERT INTO platform.jobs (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    return id;
  };
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  beforeAll(async () => {
    t = await startTestApp();
    admin = t.token({ roles: ['platform:admin'] });
  });
  afterAll(() => t.close());

  it('shows a tenant its own jobs only (row-level security), newest first, filtered by state', async () => {
    const own = await insertJob('dead_letter', 'acme');
    const other = await insertJob('dead_letter', 'globex');
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:viewer'] });
    const list = await http().get('/v1/jobs?state=dead_letter').set('authorization', `Bearer ${acme}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((j: { id: string }) => j.id)).toEqual([own]);
    expect((await http().get(`/v1/jobs/${other}`).set('authorization', `Bearer ${acme}`)).status).toBe(404);
    const one = await http().get(`/v1/jobs/${own}`).set('authorization', `Bearer ${acme}`);
    expect(one.body).toMatchObject({ id: own, state: 'dead_letter', attempts: 5, maxAttempts: 5, lastError: 'boom', tenantId: 'acme' });
    const all = await http().get('/v1/jobs?state=dead_letter').set('authorization', `Bearer ${admin}`);
    expect(all.body.items.map((j: { id: string }) => j.id).sort()).toEqual([own, other].sort());
    expect((await http().get('/v1/jobs?state=stuck').set('authorization', `Bearer ${admin}`)).status).toBe(400);
    expect((await http().get('/v1/jobs/not-a-uuid').set('authorization', `Bearer ${admin}`)).status).toBe(404);
  });

  it('shows a token limited to projects only the jobs of those projects, in the list and by id', async () => {
    const shop = await insertJob('retrying', 'initech', 'test.scoped', { projectId: 'shop' });
    const web = await insertJob('retrying', 'initech', 'test.scoped', { projectId: 'web' });
    const tenantWide = await insertJob('retrying', 'initech', 'test.scoped');
    const shopOnly = t.token({ tenantId: 'initech', roles: ['tenant:viewer'], projectIds: ['shop'] });
    const list = await http().get('/v1/jobs?state=retrying').set('authorization', `Bearer ${shopOnly}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((j: { id: string; projectId: string }) => [j.id, j.projectId])).toEqual([[shop, 'shop']]);
    expect((await http().get(`/v1/jobs/${shop}`).set('authorization', `Bearer ${shopOnly}`)).body).toMatchObject({ id: shop, projectId: 'shop' });
    for (const hidden of [web, tenantWide]) {
      const res = await http().get(`/v1/jobs/${hidden}`).set('authorization', `Bearer ${shopOnly}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    const whole = t.token({ tenantId: 'initech', roles: ['tenant:viewer'] });
    const all = await http().get('/v1/jobs?state=retrying').set('authorization', `Bearer ${whole}`);
    expect(all.body.items.map((j: { id: string }) => j.id).sort()).toEqual([shop, web, tenantWide].sort());
  });

  it('refuses a cursor it did not issue with 400 validation_failed, and a forged projectIds widens nothing', async () => {
    const shopOnly = t.token({ tenantId: 'initech', roles: ['tenant:viewer'], projectIds: ['shop'] });
    for (const cursor of [
      enc({ t: '9999-01-01T00:00:00.000Z', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff', projectIds: ['web'] }),
      enc({ t: 'yesterday', id: 'nope' }),
      enc({ t: '2025-01-01T00:00:00.000Z', id: 'nope' }),
      enc({ t: '2025-02-30T00:00:00.000Z', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }),
      enc({ t: 1, id: 2 }),
      enc({ id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }),
      'not-a-cursor!',
    ]) {
      const res = await http().get(`/v1/jobs?cursor=${encodeURIComponent(cursor)}`).set('authorization', `Bearer ${shopOnly}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    }
  });

  it('pages without gaps or repeats when jobs were created within one millisecond', async () => {
    const ids = [];
    for (const us of ['100', '200', '300', '400']) ids.push(await insertJob('failed', 'hooli', 'test.paged', { createdAt: `2025-01-01T00:00:00.000${us}Z` }));
    const hooli = t.token({ tenantId: 'hooli', roles: ['tenant:viewer'] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await http().get(`/v1/jobs?state=failed&limit=1${cursor ? `&cursor=${cursor}` : ''}`).set('authorization', `Bearer ${hooli}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((j: { id: string }) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([...ids].reverse());
  });

  it('runs a dead-lettered job again on an operator\'s retry, and audits it', async () => {
    const id = await insertJob('dead_letter', 'acme');
    const res = await http().post(`/v1/jobs/${id}/retry`).set('authorization', `Bearer ${admin}`).send({});
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id, state: 'queued', attempts: 0 });
    // No handler is registered for this job name, so the new run ends `failed` after exactly one attempt.
    const after = await eventually(async () => {
      const r = await http().get(`/v1/jobs/${id}`).set('authorization', `Bearer ${admin}`);
      return r.body.state === 'failed' ? r.body : undefined;
    });
    expect(after).toMatchObject({ attempts: 1, lastError: 'no handler for job test.unknown-job' });
    const [audit] = await t.ds.query(`SELECT action, result FROM platform.audit_log WHERE target_id = $1`, [id]);
    expect(audit).toEqual({ action: 'job.retry', result: 'allowed' });
  });

  it('refuses to retry a job that is not failed (409), an unknown one (404), and tenant tokens (403)', async () => {
    const done = await insertJob('completed', 'acme');
    const conflict = await http().post(`/v1/jobs/${done}/retry`).set('authorization', `Bearer ${admin}`).send({});
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('invalid_state_transition');
    expect((await http().post(`/v1/jobs/${randomUUID()}/retry`).set('authorization', `Bearer ${admin}`).send({})).status).toBe(404);
    const tenantAdmin = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    const forbidden = await http().post(`/v1/jobs/${done}/retry`).set('authorization', `Bearer ${tenantAdmin}`).send({});
    expect(forbidden.status).toBe(403);
    expect((await http().post(`/v1/jobs/${done}/retry`).send({})).status).toBe(401);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM platform.audit_log WHERE target_id = $1 AND result = 'denied'`, [done]);
    expect(n).toBe(3);
  });
});
