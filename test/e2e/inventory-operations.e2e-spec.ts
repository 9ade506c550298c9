import { createHmac, randomUUID } from 'node:crypto';
import { eventually, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

/** Real provisioning rounds, relay and job hops, and 30 creates at once: seconds, not milliseconds. */
jest.setTimeout(60_000);

const EXECUTOR_SECRET = 'e2e-operations-executor-secret';
const quotas = { maxEnvironments: 60, maxServicesPerEnvironment: 2, maxReplicasPerService: 10, maxTotalReplicas: 100 };
const body = (name: string, patch: object = {}) => ({ name, projectId: 'web', type: 'staging', region: 'eu-west-1', ...patch });
const LIVE = ['requested', 'provisioning', 'ready', 'decommissioning'];

/** The executor protocol's v2 signature (docs/executor-protocol.md): timestamp, method, path and raw body. */
const sign = (ts: number, path: string, raw: string) => `v2=${createHmac('sha256', EXECUTOR_SECRET).update(`${ts}\nPOST\n${path}\n${raw}`).digest('hex')}`;

/**
 * What users and attackers met around long-running inventory work (issue 10): the job a 202 returns,
 * callbacks re-sent to another operation, environments created while a tenant is being offboarded or
 * suspended, and what a platform admin can do about a tenant's environments.
 */
describe('Inventory operations (e2e)', () => {
  let t: App;
  let platform: string;
  const http = () => t.http();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const admin = (tenantId: string) => t.token({ tenantId, roles: ['tenant:admin'], sub: `admin@${tenantId}` });

  const onboard = async (id: string, q: Partial<typeof quotas> = {}) => {
    await http()
      .post('/v1/tenants')
      .set(bearer(platform))
      .send({ id, displayName: `Tenant ${id}`, isolationMode: 'pooled', quotas: { ...quotas, ...q } })
      .expect(201);
    await eventually(async () => (await t.ds.query(`SELECT 1 FROM inventory.tenants WHERE tenant_id = $1`, [id])).length === 1);
  };
  const create = (token: string, name: string, patch: object = {}) => http().post('/v1/environments').set(bearer(token)).send(body(name, patch));
  const getEnv = async (id: string) => (await http().get(`/v1/environments/${id}`).set(bearer(platform))).body;
  const waitFor = (id: string, state: string, timeoutMs = 15_000) =>
    eventually(async () => {
      const env = await getEnv(id);
      return env.state === state ? env : undefined;
    }, timeoutMs);
  const getJob = async (id: string, token: string) => (await http().get(`/v1/jobs/${id}`).set(bearer(token))).body;
  const envsOf = async (tenantId: string): Promise<Array<{ id: string; state: string; createdAt: string }>> =>
    (await http().get('/v1/environments?limit=200').set(bearer(platform))).body.items.filter((e: { tenantId: string }) => e.tenantId === tenantId);

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_LATENCY_MS: '50',
      PROVISION_TIMEOUT_SECONDS: '30',
      JOB_BACKOFF_BASE_MS: '20',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
      EXECUTOR_SECRET,
    });
    platform = t.token({ roles: ['platform:admin'], sub: 'ops@platform' });
    for (const id of ['acme', 'globex', 'racy', 'paused', 'leftover']) await onboard(id);
  });
  afterAll(() => t.close());

  describe('the jobId of a 202', () => {
    it('stays running while the environment provisions, completes when it is ready, and is the only job the tenant sees for it', async () => {
      const acme = admin('acme');
      const res = await create(acme, 'tracked', { labels: { 'rcp.dev/simulate-latency-ms': '1500' } });
      expect(res.status).toBe(202);
      const jobId = res.body.jobId as string;
      await waitFor(res.body.id, 'provisioning');
      expect(await getJob(jobId, acme)).toMatchObject({ id: jobId, name: 'inventory.provision-environment', state: 'running', parentId: null, finishedAt: null });

      await waitFor(res.body.id, 'ready');
      expect(await getJob(jobId, acme)).toMatchObject({ state: 'completed', lastError: null, finishedAt: expect.any(String) });

      // The tenant's list shows the job it was given, not the steps behind it (dispatch, timeout timer).
      const mine = (await http().get('/v1/jobs?limit=200').set(bearer(acme))).body.items.filter((j: { targetId: string }) => j.targetId === res.body.id);
      expect(mine.map((j: { id: string }) => j.id)).toEqual([jobId]);
      // A platform token sees the steps, each pointing at that job; none is left waiting (the timeout timer is closed at once).
      const all = (await http().get('/v1/jobs?limit=200').set(bearer(platform))).body.items.filter((j: { targetId: string }) => j.targetId === res.body.id);
      const steps = all.filter((j: { id: string }) => j.id !== jobId);
      expect(steps.map((j: { name: string }) => j.name).sort()).toEqual(['inventory.dispatch-operation', 'inventory.provisioning-timeout']);
      expect(steps.every((j: { parentId: string; state: string }) => j.parentId === jobId && j.state === 'completed')).toBe(true);
    });

    it('fails with the environment\'s failure reason when provisioning fails for good', async () => {
      const acme = admin('acme');
      const res = await create(acme, 'doomed', { labels: { 'rcp.dev/simulate-failure': 'provision' } });
      const failed = await waitFor(res.body.id, 'failed');
      const job = await getJob(res.body.jobId, acme);
      expect(job).toMatchObject({ state: 'failed', lastError: failed.failureReason, finishedAt: expect.any(String) });
      // Three attempts, one job for the tenant.
      const mine = (await http().get('/v1/jobs?limit=200').set(bearer(acme))).body.items.filter((j: { targetId: string }) => j.targetId === res.body.id);
      expect(mine).toHaveLength(1);
    });

    it('follows a decommissioning to decommissioned too', async () => {
      const acme = admin('acme');
      const created = await create(acme, 'short-lived');
      await waitFor(created.body.id, 'ready');
      const res = await http().delete(`/v1/environments/${created.body.id}`).set(bearer(acme));
      expect(res.status).toBe(202);
      expect((await getJob(res.body.jobId, acme)).name).toBe('inventory.decommission-environment');
      await waitFor(created.body.id, 'decommissioned');
      expect(await getJob(res.body.jobId, acme)).toMatchObject({ state: 'completed' });
    });
  });

  describe('executor callbacks', () => {
    it('refuses a callback signed for one operation when it is sent to another tenant\'s operation (401, audited)', async () => {
      const slow = { labels: { 'rcp.dev/simulate-latency-ms': '20000' } };
      const mine = await create(admin('acme'), 'cb-mine', slow);
      const theirs = await create(admin('globex'), 'cb-theirs', slow);
      const [a, b] = [await waitFor(mine.body.id, 'provisioning'), await waitFor(theirs.body.id, 'provisioning')];
      await eventually(async () => (await getEnv(a.id)).operation && (await getEnv(b.id)).operation);
      const [opA, opB] = [(await getEnv(a.id)).operation.id, (await getEnv(b.id)).operation.id];
      const raw = JSON.stringify({ callbackId: `cb-${randomUUID()}`, status: 'succeeded' });
      const now = Math.floor(Date.now() / 1000);
      const signedForA = sign(now, `/v1/executor-callbacks/${opA}`, raw);

      const swapped = await http().post(`/v1/executor-callbacks/${opB}`).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', signedForA).send(raw);
      expect(swapped.status).toBe(401);
      expect(swapped.body).toMatchObject({ code: 'unauthenticated', detail: 'Executor callback refused: the signature does not match' });
      expect(await getEnv(b.id)).toMatchObject({ state: 'provisioning', operation: { id: opB } });
      const audit = await t.ds.query(`SELECT action, result, status, code FROM platform.audit_log WHERE target_id = $1`, [opB]);
      expect(audit).toEqual([{ action: 'executor.callback', result: 'denied', status: 401, code: 'unauthenticated' }]);

      // An old-style v1 signature (timestamp and body only) is refused outright.
      const v1 = `v1=${createHmac('sha256', EXECUTOR_SECRET).update(`${now}.${raw}`).digest('hex')}`;
      const old = await http().post(`/v1/executor-callbacks/${opB}`).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', v1).send(raw);
      expect(old.status).toBe(401);
      expect(old.body.detail).toMatch(/must be a v2 signature/);

      // At its own path the same callback applies.
      const own = await http().post(`/v1/executor-callbacks/${opA}`).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', signedForA).send(raw);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ applied: true, environmentId: a.id, state: 'ready' });
    });

    it('refuses the replay of a callback for an unknown operation once it was seen', async () => {
      const op = randomUUID();
      const path = `/v1/executor-callbacks/${op}`;
      const raw = JSON.stringify({ callbackId: `cb-${randomUUID()}`, status: 'succeeded' });
      const now = Math.floor(Date.now() / 1000);
      const send = () => http().post(path).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', sign(now, path, raw)).send(raw);
      expect((await send()).body).toMatchObject({ applied: false, reason: `operation ${op} is not in progress (unknown, superseded or already completed)` });
      expect((await send()).body).toMatchObject({ applied: false, reason: `callback ${JSON.parse(raw).callbackId} was already received` });
    });
  });

  describe('DELETE /v1/environments/{id} by a platform admin', () => {
    it('decommissions any tenant\'s environment, also one the tenant cannot touch while suspended, audited under that tenant', async () => {
      const created = await create(admin('leftover'), 'stranded');
      await waitFor(created.body.id, 'ready');
      await http().post('/v1/tenants/leftover/suspend').set(bearer(platform)).send({ reason: 'unpaid' }).expect(200);
      const byTenant = await http().delete(`/v1/environments/${created.body.id}`).set(bearer(admin('leftover')));
      expect(byTenant.status).toBe(403);
      expect(byTenant.body.code).toBe('tenant_suspended');
      const byViewer = await http().delete(`/v1/environments/${created.body.id}`).set(bearer(t.token({ roles: ['platform:viewer'] })));
      expect(byViewer.status).toBe(403);

      const res = await http().delete(`/v1/environments/${created.body.id}`).set(bearer(platform));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ tenantId: 'leftover', state: 'decommissioning', decommissionReason: 'requested by ops@platform', jobId: expect.any(String) });
      await waitFor(created.body.id, 'decommissioned');
      expect(await getJob(res.body.jobId, platform)).toMatchObject({ state: 'completed', tenantId: 'leftover' });
      const audit = await t.ds.query(
        `SELECT actor, tenant_id, result FROM platform.audit_log WHERE target_id = $1 AND action = 'environment.decommission' AND result = 'allowed'`,
        [created.body.id],
      );
      expect(audit).toEqual([{ actor: 'ops@platform', tenant_id: 'leftover', result: 'allowed' }]);
      expect((await http().delete(`/v1/environments/${randomUUID()}`).set(bearer(platform))).status).toBe(404);
    });
  });

  describe('creates racing a tenant\'s offboarding or suspension', () => {
    /** Fires `n` creates at once and the lifecycle change in their midst; answers the statuses. */
    async function createsAround(tenantId: string, change: 'offboard' | 'suspend', n = 30): Promise<number[]> {
      const token = admin(tenantId);
      const creates = Array.from({ length: n }, (_, i) => new Promise<number>((resolve, reject) => {
        setTimeout(() => create(token, `race-${i}`).then((r) => resolve(r.status), reject), i * 5);
      }));
      const lifecycle = new Promise<void>((resolve, reject) =>
        setTimeout(() => http().post(`/v1/tenants/${tenantId}/${change}`).set(bearer(platform)).send({ reason: 'race' }).expect(200).then(() => resolve(), reject), (n * 5) / 3),
      );
      const [statuses] = await Promise.all([Promise.all(creates), lifecycle]);
      return statuses;
    }

    it('leaves no environment of an offboarded tenant requested, provisioning or ready, whenever its create committed', async () => {
      const statuses = await createsAround('racy', 'offboard');
      expect(statuses.every((s) => s === 202 || s === 403)).toBe(true);
      expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(0);
      const envs = await eventually(async () => {
        const all = await envsOf('racy');
        return all.every((e) => !LIVE.includes(e.state)) ? all : undefined;
      }, 45_000);
      expect(envs.length).toBe(statuses.filter((s) => s === 202).length);
      expect(new Set(envs.map((e) => e.state))).toEqual(new Set(['decommissioned']));
      // And none can be requested now.
      const late = await create(admin('racy'), 'too-late');
      expect(late.body.code).toBe('tenant_offboarded');
    });

    it('decommissions what was requested after a suspension took effect, and keeps what came before it', async () => {
      const statuses = await createsAround('paused', 'suspend');
      expect(statuses.every((s) => s === 202 || s === 403)).toBe(true);
      const [{ time }] = await t.ds.query(
        `SELECT envelope->>'time' AS time FROM platform.event_log WHERE type = 'rcp.tenancy.tenant-suspended.v1' AND aggregate_id = 'paused'`,
      );
      const suspendedAt = new Date(time).getTime();
      const envs = await eventually(async () => {
        const all = await envsOf('paused');
        const settled = all.every((e) => (new Date(e.createdAt).getTime() >= suspendedAt ? !LIVE.includes(e.state) : e.state === 'ready'));
        return settled ? all : undefined;
      }, 45_000);
      for (const e of envs.filter((x) => new Date(x.createdAt).getTime() >= suspendedAt)) {
        expect((await getEnv(e.id)).decommissionReason).toMatch(/^requested while tenant paused was suspended/);
      }
      expect((await create(admin('paused'), 'too-late')).body.code).toBe('tenant_suspended');
    });
  });

  describe('PUT /v1/environments/{id}/actual-state', () => {
    it('refuses a report of 1,000 services for a tenant allowed 2 (409 quota_exceeded), writing nothing and publishing nothing', async () => {
      const created = await create(admin('globex'), 'reported');
      await waitFor(created.body.id, 'ready');
      const agent = t.token({ tenantId: 'globex', roles: ['agent'], environmentId: created.body.id });
      const svc = (i: number) => ({ name: `svc-${i}`, image: `registry.example.com/svc:${i}`, replicas: 1, readyReplicas: 1 });
      const countEvents = async () =>
        (await t.ds.query(`SELECT count(*)::int AS n FROM platform.event_log WHERE aggregate_id = $1 AND type LIKE 'rcp.inventory.service-%'`, [`${created.body.id}/services`]))[0].n;

      const flood = await http().put(`/v1/environments/${created.body.id}/actual-state`).set(bearer(agent)).send({
        observedAt: new Date().toISOString(),
        services: Array.from({ length: 1000 }, (_, i) => svc(i)),
      });
      expect(flood.status).toBe(409);
      expect(flood.body).toMatchObject({ code: 'quota_exceeded' });
      expect(flood.body.detail).toMatch(/^the report lists 1000 services; with maxServicesPerEnvironment 2 a report may list at most 4/);
      expect((await http().get(`/v1/environments/${created.body.id}/services`).set(bearer(admin('globex')))).body.items).toEqual([]);
      expect(await countEvents()).toBe(0);

      // Up to twice the quota is taken, the surplus flagged overQuota: one event per service, no more.
      const within = await http().put(`/v1/environments/${created.body.id}/actual-state`).set(bearer(agent)).send({
        observedAt: new Date().toISOString(),
        services: [svc(1), svc(2), svc(3), svc(4)],
      });
      expect(within.status).toBe(200);
      expect(within.body).toMatchObject({ applied: true, liveServices: 4, overQuotaServices: ['svc-3', 'svc-4'] });
      await eventually(async () => (await t.ds.query(`SELECT 1 FROM platform.outbox_events WHERE aggregate_id = $1`, [`${created.body.id}/services`])).length === 0);
      expect(await countEvents()).toBe(4);
    });
  });
});
