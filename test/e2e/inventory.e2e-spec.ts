import { createHmac, randomUUID } from 'node:crypto';
import { environmentIn, eventsOf, eventually, givenEnvironment, givenReadyEnvironment, givenTenant, GivenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

const EXECUTOR_SECRET = 'e2e-executor-secret';
const quotas = { maxEnvironments: 10, maxServicesPerEnvironment: 2, maxReplicasPerService: 10, maxTotalReplicas: 100 };
const body = (patch: object = {}) => ({ name: 'web-staging', projectId: 'web', type: 'staging', region: 'eu-west-1', ...patch });
/** The executor protocol's v2 signature (docs/executor-protocol.md): timestamp, method, path and raw body. */
const sign = (ts: number, path: string, raw: string, secret = EXECUTOR_SECRET) =>
  `v2=${createHmac('sha256', secret).update(`${ts}\nPOST\n${path}\n${raw}`).digest('hex')}`;

describe('Inventory API (e2e)', () => {
  let t: App;
  let platform: string;
  /** A tenant for tests that only need its tokens (they add nothing another test reads). */
  let acme: GivenTenant;
  const http = () => t.http();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const tenant = (q: Partial<typeof quotas> = {}) => givenTenant(t, { quotas: { ...quotas, ...q } });
  const stateOf = async (id: string, token: string) => (await http().get(`/v1/environments/${id}`).set(bearer(token))).body.state as string;
  const create = (token: string, patch: object = {}) => http().post('/v1/environments').set(bearer(token)).send(body(patch));
  /** A tenant with one environment `web-staging` of project web, ready. */
  const readyIn = async (q: Partial<typeof quotas> = {}) => {
    const owner = await tenant(q);
    return { owner, ready: await givenReadyEnvironment(t, owner, { name: 'web-staging' }) };
  };

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_LATENCY_MS: '50',
      PROVISION_TIMEOUT_SECONDS: '30',
      JOB_BACKOFF_BASE_MS: '20',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
      EXECUTOR_SECRET,
    });
    platform = platformTokens(t).admin;
    acme = await tenant();
  });
  afterAll(() => t.close());

  describe('POST /v1/environments', () => {
    it('answers 202 with the requested environment, Location, ETag and the provisioning jobId; it then becomes ready', async () => {
      const { id, admin } = await tenant();
      const res = await create(admin, { labels: { team: 'payments' } });
      expect(res.status).toBe(202);
      expect(res.headers.location).toBe(`/v1/environments/${res.body.id}`);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toMatchObject({
        tenantId: id,
        projectId: 'web',
        name: 'web-staging',
        type: 'staging',
        region: 'eu-west-1',
        labels: { team: 'payments' },
        state: 'requested',
        failureReason: null,
        version: 1,
        jobId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        placement: { model: 'pool', cluster: expect.stringMatching(/^pool-\d$/), namespace: `${id}-web-web-staging`, dataStore: expect.stringMatching(new RegExp(`tenant_${id.replace(/-/g, '_')}$`)) },
      });
      await environmentIn(t, admin, res.body.id, 'ready');
      const job = await http().get(`/v1/jobs/${res.body.jobId}`).set(bearer(admin));
      expect(job.status).toBe(200);
      expect(job.body).toMatchObject({ name: 'inventory.provision-environment', state: 'completed', targetType: 'environment', targetId: res.body.id });
      const got = await http().get(`/v1/environments/${res.body.id}`).set(bearer(admin));
      expect(got.headers.etag).toBe(`"${got.body.version}"`);
      expect(got.body).toMatchObject({ state: 'ready', readyAt: expect.any(String), attempts: 1, operation: null });
    });

    it.each([
      ['a projectId that is not a slug', { projectId: 'Web_App' }, 'projectId'],
      ['a name that is not a DNS label', { name: 'Web.Staging' }, 'name'],
      ['a name longer than 63 characters', { name: 'a'.repeat(64) }, 'name'],
      ['an unknown type', { type: 'qa' }, 'type'],
      ['a bad region', { region: 'EU West' }, 'region'],
      ['labels that are not labels', { labels: { 'bad key': 'x' } }, 'labels'],
      ['an unknown field', { tenantId: 'globex' }, 'tenantId'],
    ])('refuses %s with 400 validation_failed naming the field, and creates nothing', async (_, patch, field) => {
      const before = (await t.ds.query(`SELECT count(*)::int AS n FROM inventory.environments`))[0].n;
      const res = await create(acme.admin, { name: 'invalid-one', ...patch });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect((await t.ds.query(`SELECT count(*)::int AS n FROM inventory.environments`))[0].n).toBe(before);
    });

    it('refuses a duplicate name in the same project with 409 precondition_failed, and allows it in another project', async () => {
      const { admin } = await tenant();
      expect((await create(admin)).status).toBe(202);
      const dup = await create(admin);
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ code: 'precondition_failed', reasons: ['environment name web-staging is taken in project web'] });
      const other = await create(admin, { projectId: 'shop', type: 'production' });
      expect(other.status).toBe(202);
    });

    it('refuses a tenant inventory has not seen onboarded with 409 precondition_failed and a reason', async () => {
      const res = await create(t.token({ tenantId: 'nobody', roles: ['tenant:admin'] }));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'precondition_failed', reasons: ['tenant nobody is not onboarded (or its onboarding has not reached inventory yet)'] });
    });

    it('refuses a request beyond maxEnvironments with 409 quota_exceeded', async () => {
      const tiny = await tenant({ maxEnvironments: 1 });
      expect((await create(tiny.deployer, { name: 'first' })).status).toBe(202);
      const res = await create(tiny.deployer, { name: 'second' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'quota_exceeded', detail: 'maxEnvironments is 1; this request would need 2' });
      const audit = await t.ds.query(`SELECT result, code FROM platform.audit_log WHERE tenant_id = $1 AND action = 'environment.request' ORDER BY id`, [tiny.id]);
      expect(audit).toEqual([
        { result: 'allowed', code: null },
        { result: 'denied', code: 'quota_exceeded' },
      ]);
    });

    it('refuses a suspended tenant with 403 tenant_suspended', async () => {
      const initech = await tenant();
      await http().post(`/v1/tenants/${initech.id}/suspend`).set(bearer(platform)).send({ reason: 'unpaid' }).expect(200);
      const res = await create(initech.admin);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('tenant_suspended');
    });

    it('refuses a caller without a token (401) and a reader or an agent (403)', async () => {
      const anon = await http().post('/v1/environments').send(body());
      expect(anon.status).toBe(401);
      expect(anon.body.code).toBe('unauthenticated');
      const viewer = await create(acme.viewer, { name: 'viewer-made' });
      expect(viewer.status).toBe(403);
      expect(viewer.body.code).toBe('forbidden');
      const agent = await create(acme.agent(randomUUID()), { name: 'agent-made' });
      expect(agent.status).toBe(403);
      const platformWrite = await create(platform, { name: 'platform-made' });
      expect(platformWrite.status).toBe(403);
    });
  });

  /** A tenant with `web-staging` ready in project web and a `web-staging` requested in project shop. */
  const webAndShop = async () => {
    const { owner, ready } = await readyIn();
    const shop = await givenEnvironment(t, owner, { name: 'web-staging', projectId: 'shop', type: 'production' });
    return { owner, ready, shop, shopOnly: owner.token('tenant:admin', { projectIds: ['shop'] }) };
  };

  describe('GET /v1/environments', () => {
    it('lists the tenant\'s environments in creation order, by project and state, with cursor pagination', async () => {
      const { owner, ready } = await webAndShop();
      const acme = owner.admin;
      const all = await http().get('/v1/environments').set(bearer(acme));
      expect(all.status).toBe(200);
      expect(all.body.items.map((e: { name: string; projectId: string }) => `${e.projectId}/${e.name}`)).toEqual(['web/web-staging', 'shop/web-staging']);
      expect(all.headers.etag).toBeUndefined();
      const web = await http().get('/v1/environments?projectId=web').set(bearer(acme));
      expect(web.body.items.map((e: { id: string }) => e.id)).toEqual([ready.id]);
      const readyOnly = await http().get('/v1/environments?state=ready&projectId=web').set(bearer(acme));
      expect(readyOnly.body.items).toHaveLength(1);
      const first = await http().get('/v1/environments?limit=1').set(bearer(acme));
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await http().get(`/v1/environments?limit=1&cursor=${first.body.nextCursor}`).set(bearer(acme));
      expect(second.body.items[0].projectId).toBe('shop');
      expect(second.body.nextCursor).toBeNull();
      expect((await http().get('/v1/environments?state=sleeping').set(bearer(acme))).status).toBe(400);
      expect((await http().get('/v1/environments?cursor=forged').set(bearer(acme))).status).toBe(400);
    });

    it('shows a platform reader every tenant\'s environments and a tenant only its own', async () => {
      const [one, globex] = [await tenant(), await tenant()];
      await givenEnvironment(t, one);
      const globexEnv = await create(globex.admin, { name: 'globex-env' });
      expect(globexEnv.status).toBe(202);
      const mine = await http().get('/v1/environments').set(bearer(one.admin));
      expect(mine.body.items.every((e: { tenantId: string }) => e.tenantId === one.id)).toBe(true);
      const everyone = await http().get('/v1/environments?limit=200').set(bearer(platformTokens(t).viewer));
      const tenants: Array<{ tenant_id: string }> = await t.asOwner(`SELECT DISTINCT tenant_id FROM inventory.environments`);
      expect(new Set(everyone.body.items.map((e: { tenantId: string }) => e.tenantId))).toEqual(new Set(tenants.map((r) => r.tenant_id)));
      expect(tenants.map((r) => r.tenant_id)).toEqual(expect.arrayContaining([one.id, globex.id]));
    });

    it('narrows a token with project_ids to those projects: other projects are not found', async () => {
      const { ready, shopOnly } = await webAndShop();
      const list = await http().get('/v1/environments').set(bearer(shopOnly));
      expect(list.body.items.map((e: { projectId: string }) => e.projectId)).toEqual(['shop']);
      for (const req of [
        http().get(`/v1/environments/${ready.id}`),
        http().get(`/v1/environments/${ready.id}/services`),
        http().delete(`/v1/environments/${ready.id}`),
        http().post(`/v1/environments/${ready.id}/retry`),
        http().put(`/v1/environments/${ready.id}/actual-state`).send({ observedAt: new Date().toISOString(), services: [] }),
      ]) {
        const res = await req.set(bearer(shopOnly));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('not_found');
      }
      const outside = await create(shopOnly, { name: 'not-mine', projectId: 'web' });
      expect(outside.status).toBe(403);
      expect(outside.body.code).toBe('forbidden');
    });
  });

  describe('a token limited to projects', () => {
    const shopOnly = () => acme.token('tenant:admin', { projectIds: ['shop'] });
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it('refuses a forged cursor carrying projectIds with 400 and never shows another project\'s environments', async () => {
      const forged = enc({ t: '1970-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000', projectIds: ['web'] });
      const res = await http().get(`/v1/environments?cursor=${forged}`).set(bearer(shopOnly()));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
      expect(res.body.items).toBeUndefined();
      const forgedState = enc({ t: '1970-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000', state: 'ready', projectId: 'web' });
      expect((await http().get(`/v1/environments?cursor=${forgedState}`).set(bearer(shopOnly()))).status).toBe(400);
    });

    it.each([
      ['a timestamp that is not one', { t: 'yesterday', id: '00000000-0000-4000-8000-000000000000' }],
      ['an id that is not a UUID', { t: '2025-01-01T00:00:00.000Z', id: 'nope' }],
      ['numbers', { t: 1, id: 2 }],
      ['a missing key', { t: '2025-01-01T00:00:00.000Z' }],
      ['an array', ['2025-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']],
      ['null', null],
    ])('refuses a cursor with %s with 400, never a 500', async (_, value) => {
      const res = await http().get(`/v1/environments?cursor=${enc(value)}`).set(bearer(acme.admin));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });

    it('sees only its projects\' events, jobs and audit entries, and not the tenant-wide usage', async () => {
      const { owner, ready, shopOnly } = await webAndShop();
      const acme = owner.admin;
      const shopEnv = (await http().get('/v1/environments').set(bearer(shopOnly))).body.items[0];
      expect(shopEnv.projectId).toBe('shop');
      await eventually(async () => (await http().get('/v1/events?type=rcp.inventory.*').set(bearer(shopOnly))).body.items.length > 0);

      const feed = await http().get('/v1/events?limit=200').set(bearer(shopOnly));
      expect(feed.status).toBe(200);
      expect(feed.body.items.length).toBeGreaterThan(0);
      expect(new Set(feed.body.items.map((e: { projectid?: string }) => e.projectid))).toEqual(new Set(['shop']));
      const whole = await http().get('/v1/events?limit=200').set(bearer(acme));
      const projects = new Set(whole.body.items.map((e: { projectid?: string }) => e.projectid));
      expect(projects).toEqual(new Set(['web', 'shop', undefined])); // tenant-level events have no project

      const jobs = await http().get('/v1/jobs?limit=200').set(bearer(shopOnly));
      expect(jobs.status).toBe(200);
      expect(jobs.body.items.length).toBeGreaterThan(0);
      for (const job of jobs.body.items) expect(job).toMatchObject({ projectId: 'shop', targetId: shopEnv.id });
      const webJob = (await http().get('/v1/jobs?limit=200').set(bearer(acme))).body.items.find((j: { targetId: string }) => j.targetId === ready.id);
      expect(webJob).toMatchObject({ projectId: 'web' });
      expect((await http().get(`/v1/jobs/${webJob.id}`).set(bearer(shopOnly))).status).toBe(404);

      const audit = await http().get('/v1/audit-log?limit=200').set(bearer(shopOnly));
      expect(audit.status).toBe(200);
      expect(audit.body.items.length).toBeGreaterThan(0);
      for (const entry of audit.body.items) expect(entry).toMatchObject({ tenantId: owner.id, projectId: 'shop' });
      expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('environment.request');
      const wholeAudit = (await http().get('/v1/audit-log?limit=200').set(bearer(acme))).body.items;
      expect(wholeAudit.find((e: { targetId: string; action: string }) => e.targetId === ready.id && e.action === 'environment.request')).toMatchObject({ projectId: 'web' });

      const usage = await http().get(`/v1/tenants/${owner.id}/usage`).set(bearer(shopOnly));
      expect(usage.status).toBe(403);
      expect(usage.body.code).toBe('forbidden');
    });
  });

  describe('another tenant\'s environment', () => {
    it('is a 404 on every endpoint, and an unknown or malformed id too', async () => {
      const { owner, ready } = await readyIn();
      const globex = (await tenant()).admin;
      const requests = (id: string) => [
        http().get(`/v1/environments/${id}`),
        http().get(`/v1/environments/${id}/services`),
        http().delete(`/v1/environments/${id}`),
        http().post(`/v1/environments/${id}/retry`),
        http().put(`/v1/environments/${id}/actual-state`).send({ observedAt: new Date().toISOString(), services: [] }),
      ];
      for (const req of requests(ready.id)) {
        const res = await req.set(bearer(globex));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('not_found');
      }
      for (const id of [randomUUID(), 'not-a-uuid']) expect((await http().get(`/v1/environments/${id}`).set(bearer(owner.admin))).status).toBe(404);
      expect(await stateOf(ready.id, owner.admin)).toBe('ready');
    });
  });

  const svc = (name: string, patch: object = {}) => ({ name, image: `registry.example.com/${name}:1.0.0`, replicas: 2, readyReplicas: 2, configChecksum: `sha256:${name}`, ...patch });
  const report = (token: string, envId: string, observedAt: string, services: object[]) =>
    http().put(`/v1/environments/${envId}/actual-state`).set(bearer(token)).send({ observedAt, services });
  /** The environment's agent reports `web`, `api` and `worker` (at 10:00), the first report of the tests below. */
  const reportThree = (owner: GivenTenant, envId: string) =>
    report(owner.agent(envId), envId, '2026-01-15T10:00:00Z', [svc('web'), svc('api'), svc('worker')]).expect(200);

  describe('PUT /v1/environments/{id}/actual-state and GET …/services', () => {
    const serviceEvents = async (envId: string) =>
      (await eventsOf(t, `${envId}/services`, 'rcp.inventory.service-')).map((e) => e.type.replace(/^rcp\.inventory\.|\.v1$/g, ''));
    /** A ready environment whose agent then reported web, api and worker, and changed web's image and removed api (10:02). */
    const reportedTwice = async () => {
      const { owner, ready } = await readyIn();
      await reportThree(owner, ready.id);
      await report(owner.agent(ready.id), ready.id, '2026-01-15T10:02:00Z', [svc('web', { image: 'registry.example.com/web:1.1.0' }), svc('worker')]).expect(200);
      return { owner, ready };
    };

    it('takes an agent\'s full report, lists the services and flags those beyond maxServicesPerEnvironment', async () => {
      const { owner, ready } = await readyIn();
      const res = await report(owner.agent(ready.id), ready.id, '2026-01-15T10:00:00Z', [svc('web'), svc('api'), svc('worker')]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        environmentId: ready.id,
        applied: true,
        observed: ['api', 'web', 'worker'],
        changed: [],
        removed: [],
        overQuota: true,
        overQuotaServices: ['worker'],
        liveServices: 3,
        maxServicesPerEnvironment: 2,
      });
      const list = await http().get(`/v1/environments/${ready.id}/services`).set(bearer(owner.viewer));
      expect(list.status).toBe(200);
      expect(list.body.lastObservedAt).toBe('2026-01-15T10:00:00.000Z');
      expect(list.body.items).toEqual([
        expect.objectContaining({ name: 'api', image: 'registry.example.com/api:1.0.0', replicas: 2, readyReplicas: 2, configChecksum: 'sha256:api', overQuota: false, lastObservedAt: '2026-01-15T10:00:00.000Z' }),
        expect.objectContaining({ name: 'web', overQuota: false }),
        expect.objectContaining({ name: 'worker', overQuota: true }),
      ]);
      expect(await serviceEvents(ready.id)).toEqual(['service-observed', 'service-observed', 'service-observed']);
      const observed = (await eventsOf(t, `${ready.id}/services`, 'rcp.inventory.service-observed.v1')).find((e) => e.data.service === 'worker');
      expect(observed).toMatchObject({ tenantid: owner.id, projectid: 'web', subject: `${ready.id}/services`, aggregatetype: 'RuntimeServiceInventory', data: { environmentId: ready.id, overQuota: true, replicas: 2 } });
    });

    it('publishes nothing for a report that changes nothing, changes and removals for one that does', async () => {
      const { owner, ready } = await readyIn();
      await reportThree(owner, ready.id);
      const agent = owner.agent(ready.id);
      const same = await report(agent, ready.id, '2026-01-15T10:01:00Z', [svc('web'), svc('api'), svc('worker')]);
      expect(same.body).toMatchObject({ applied: true, observed: [], changed: [], removed: [], unchanged: ['api', 'web', 'worker'] });
      expect(await serviceEvents(ready.id)).toHaveLength(3);
      const next = await report(agent, ready.id, '2026-01-15T10:02:00Z', [svc('web', { image: 'registry.example.com/web:1.1.0' }), svc('worker')]);
      expect(next.body).toMatchObject({ applied: true, changed: ['web', 'worker'], removed: ['api'], overQuota: false, liveServices: 2 });
      expect((await serviceEvents(ready.id)).slice(3)).toEqual(['service-changed', 'service-changed', 'service-removed']);
      const live = await http().get(`/v1/environments/${ready.id}/services`).set(bearer(owner.admin));
      expect(live.body.items.map((s: { name: string }) => s.name)).toEqual(['web', 'worker']);
      const withRemoved = await http().get(`/v1/environments/${ready.id}/services?includeRemoved=true`).set(bearer(owner.admin));
      expect(withRemoved.body.items.find((s: { name: string }) => s.name === 'api')).toMatchObject({ removed: true, removedAt: '2026-01-15T10:02:00.000Z' });
    });

    it('ignores a report older than the last applied one and says so (200, applied: false)', async () => {
      const { owner, ready } = await reportedTwice();
      const res = await report(owner.agent(ready.id), ready.id, '2026-01-15T09:00:00Z', []);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        applied: false,
        reason: 'stale report: observed at 2026-01-15T09:00:00.000Z, but a report observed at 2026-01-15T10:02:00.000Z was already applied',
        lastObservedAt: '2026-01-15T10:02:00.000Z',
        liveServices: 2,
      });
      const live = await http().get(`/v1/environments/${ready.id}/services`).set(bearer(owner.admin));
      expect(live.body.items).toHaveLength(2);
    });

    it('lets a tenant admin report too, and refuses an invalid report with 400', async () => {
      const { owner, ready } = await reportedTwice();
      const acme = owner.admin;
      expect((await report(acme, ready.id, '2026-01-15T10:03:00Z', [svc('web', { image: 'registry.example.com/web:1.1.0' }), svc('worker')])).body.applied).toBe(true);
      for (const bad of [
        { observedAt: 'yesterday', services: [] },
        { observedAt: '2026-01-15T10:04:00Z', services: [svc('web', { replicas: -1 })] },
        { observedAt: '2026-01-15T10:04:00Z', services: [svc('Web_1')] },
        { observedAt: '2026-01-15T10:04:00Z', services: [{ ...svc('web'), extra: true }] },
        { observedAt: '2026-01-15T10:04:00Z', services: [svc('web'), svc('web')] },
      ]) {
        const res = await http().put(`/v1/environments/${ready.id}/actual-state`).set(bearer(acme)).send(bad);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });

    it('refuses an agent of another environment (403), one of another tenant (404) and a deployer (403)', async () => {
      const { owner, ready } = await reportedTwice();
      const other = await givenEnvironment(t, owner, { projectId: 'shop' });
      const wrongEnv = await report(owner.agent(other.id), ready.id, '2026-01-15T10:05:00Z', []);
      expect(wrongEnv.status).toBe(403);
      expect(wrongEnv.body).toMatchObject({ code: 'forbidden', detail: 'Agent credentials may only report for their own environment' });
      const otherTenant = await report((await tenant()).agent(ready.id), ready.id, '2026-01-15T10:05:00Z', []);
      expect(otherTenant.status).toBe(404);
      const deployer = await report(owner.deployer, ready.id, '2026-01-15T10:05:00Z', []);
      expect(deployer.status).toBe(403);
      const agentReads = await http().get(`/v1/environments/${ready.id}/services`).set(bearer(owner.agent(ready.id)));
      expect(agentReads.status).toBe(403);
      expect((await http().get(`/v1/environments/${ready.id}/services`).set(bearer(owner.admin))).body.items).toHaveLength(2);
    });

    it('refuses a report for an environment that is not on infrastructure yet (409 invalid_state_transition)', async () => {
      const slow = await create(acme.admin, { name: 'slow-one', labels: { 'rcp.dev/simulate-latency-ms': '4000' } });
      const res = await report(acme.agent(slow.body.id), slow.body.id, new Date().toISOString(), []);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('invalid_state_transition');
    });
  });

  describe('DELETE /v1/environments/{id}', () => {
    it('refuses to decommission an environment that is still provisioning (409 invalid_state_transition)', async () => {
      const owner = await tenant();
      const slow = await givenEnvironment(t, owner, { labels: { 'rcp.dev/simulate-latency-ms': '4000' } });
      await environmentIn(t, owner, slow.id, 'provisioning');
      const res = await http().delete(`/v1/environments/${slow.id}`).set(bearer(owner.admin));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'invalid_state_transition' });
      expect(await stateOf(slow.id, owner.admin)).toBe('provisioning');
    });

    /** A stale If-Match (412, nothing changes) and a malformed one (400). */
    const refusedDeletes = async (owner: GivenTenant, ready: { id: string; version: number }) => {
      const res = await http().delete(`/v1/environments/${ready.id}`).set(bearer(owner.admin)).set('if-match', `"${ready.version - 1}"`);
      expect(res.status).toBe(412);
      expect(res.body.code).toBe('version_conflict');
      expect(await stateOf(ready.id, owner.admin)).toBe('ready');
      expect((await http().delete(`/v1/environments/${ready.id}`).set(bearer(owner.admin)).set('if-match', 'soon')).status).toBe(400);
    };

    it('refuses a stale If-Match with 412 and changes nothing', async () => {
      const { owner, ready } = await readyIn();
      await refusedDeletes(owner, { id: ready.id, version: ready.version });
    });

    it('answers 202 with the environment decommissioning and the jobId; it then becomes decommissioned', async () => {
      const { owner, ready } = await readyIn();
      const acme = owner.admin;
      await reportThree(owner, ready.id);
      const { version } = (await http().get(`/v1/environments/${ready.id}`).set(bearer(acme))).body;
      await refusedDeletes(owner, { id: ready.id, version });
      const res = await http().delete(`/v1/environments/${ready.id}`).set(bearer(acme)).set('if-match', `"${version}"`);
      expect(res.status).toBe(202);
      expect(res.headers.location).toBe(`/v1/environments/${ready.id}`);
      expect(res.headers.etag).toBe(`"${version + 1}"`);
      expect(res.body).toMatchObject({ state: 'decommissioning', decommissionReason: `requested by admin@${owner.id}`, jobId: expect.any(String) });
      await environmentIn(t, owner, ready.id, 'decommissioned');
      // Nothing runs there any more: the live inventory is emptied (service-removed for each).
      await eventually(async () => (await http().get(`/v1/environments/${ready.id}/services`).set(bearer(acme))).body.items.length === 0);
      const history = await http().get(`/v1/environments/${ready.id}/services?includeRemoved=true`).set(bearer(acme));
      expect(history.body.items.map((s: { name: string; removed: boolean }) => [s.name, s.removed])).toEqual([
        ['api', true],
        ['web', true],
        ['worker', true],
      ]);
      const again = await http().delete(`/v1/environments/${ready.id}`).set(bearer(acme));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('invalid_state_transition');
      const audit = await t.ds.query(
        `SELECT result, status, code FROM platform.audit_log WHERE target_id = $1 AND action = 'environment.decommission' AND actor = $2 ORDER BY id`,
        [ready.id, `admin@${owner.id}`],
      );
      expect(audit).toEqual([
        { result: 'denied', status: 412, code: 'version_conflict' },
        { result: 'denied', status: 400, code: 'validation_failed' },
        { result: 'allowed', status: null, code: null },
        { result: 'denied', status: 409, code: 'invalid_state_transition' },
      ]);
    });
  });

  describe('POST /v1/environments/{id}/retry', () => {
    it('sends a failed environment back to provisioning (202) and refuses one that is not failed (409)', async () => {
      const owner = await tenant();
      const globex = owner.deployer;
      const created = await create(globex, { name: 'unlucky', labels: { 'rcp.dev/simulate-failure': 'provision-until-retry' } });
      await environmentIn(t, globex, created.body.id, 'failed');
      const failed = (await http().get(`/v1/environments/${created.body.id}`).set(bearer(globex))).body;
      expect(failed.failureReason).toMatch(/^Provisioning failed after 3 attempt\(s\): the simulated provisioner failed provisioning on request/);
      expect((await http().post(`/v1/environments/${created.body.id}/retry`).set(bearer(globex)).set('if-match', '"1"')).status).toBe(412);
      const res = await http().post(`/v1/environments/${created.body.id}/retry`).set(bearer(globex)).set('if-match', `"${failed.version}"`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ state: 'requested', round: 2, failureReason: null, jobId: expect.any(String) });
      await environmentIn(t, globex, created.body.id, 'ready');
      const notFailed = await http().post(`/v1/environments/${created.body.id}/retry`).set(bearer(globex));
      expect(notFailed.status).toBe(409);
      expect(notFailed.body.code).toBe('invalid_state_transition');
    });
  });

  describe('POST /v1/executor-callbacks/{operationId}', () => {
    const url = (op: string) => `/v1/executor-callbacks/${op}`;

    it('refuses a bad, missing or stale signature with 401 unauthenticated, before looking at the body', async () => {
      const raw = JSON.stringify({ callbackId: 'cb-1', status: 'succeeded' });
      const now = Math.floor(Date.now() / 1000);
      const target = url(randomUUID());
      const forged = await http().post(target).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', sign(now, target, raw, 'wrong')).send(raw);
      expect(forged.status).toBe(401);
      expect(forged.body).toMatchObject({ code: 'unauthenticated', detail: 'Executor callback refused: the signature does not match' });
      expect((await http().post(url(randomUUID())).set('content-type', 'application/json').send(raw)).status).toBe(401);
      const old = now - 3600;
      expect((await http().post(target).set('content-type', 'application/json').set('x-rcp-timestamp', String(old)).set('x-rcp-signature', sign(old, target, raw)).send(raw)).status).toBe(401);
      const invalidButUnsigned = await http().post(url(randomUUID())).set('content-type', 'application/json').send('{"nonsense":true}');
      expect(invalidButUnsigned.status).toBe(401);
    });

    it('answers a signed callback for an operation that is not in flight with applied: false, and validates a signed body', async () => {
      const now = Math.floor(Date.now() / 1000);
      const raw = JSON.stringify({ callbackId: 'cb-2', status: 'succeeded' });
      const op = randomUUID();
      const res = await http().post(url(op)).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', sign(now, url(op), raw)).send(raw);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ operationId: op, applied: false, reason: `operation ${op} is not in progress (unknown, superseded or already completed)` });
      const bad = JSON.stringify({ callbackId: 'cb-3', status: 'done' });
      const invalid = await http().post(url(op)).set('content-type', 'application/json').set('x-rcp-timestamp', String(now)).set('x-rcp-signature', sign(now, url(op), bad)).send(bad);
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors.map((e: { field: string }) => e.field)).toContain('status');
    });
  });

  describe('tenant offboarding', () => {
    it('decommissions every environment of an offboarded tenant', async () => {
      const owner = await tenant();
      const umbrella = owner.admin;
      const ids: string[] = [];
      for (const name of ['one', 'two']) ids.push((await givenReadyEnvironment(t, owner, { name })).id);
      await http().post(`/v1/tenants/${owner.id}/offboard`).set(bearer(platform)).send({ reason: 'contract ended' }).expect(200);
      expect((await http().get(`/v1/environments/${ids[0]}`).set(bearer(umbrella))).body.code).toBe('tenant_offboarded');
      for (const id of ids) await environmentIn(t, platform, id, 'decommissioned');
      const env = (await http().get(`/v1/environments/${ids[0]}`).set(bearer(platform))).body;
      expect(env).toMatchObject({ state: 'decommissioned', decommissionReason: `tenant ${owner.id} was offboarded: contract ended`, decommissionedAt: expect.any(String) });
    });
  });

  describe('events and documentation', () => {
    it('publishes the lifecycle as CloudEvents on the tenant\'s feed', async () => {
      const { owner, ready } = await readyIn();
      await eventsOf(t, ready.id); // every event recorded so far is on the feed
      const feed = await http().get('/v1/events?type=rcp.inventory.*&limit=200').set(bearer(owner.admin));
      const ofReady = feed.body.items.filter((e: { subject: string }) => e.subject === ready.id).map((e: { type: string }) => e.type);
      expect(ofReady.slice(0, 3)).toEqual(['rcp.inventory.environment-requested.v1', 'rcp.inventory.environment-provisioning-started.v1', 'rcp.inventory.environment-ready.v1']);
      const odd = feed.body.items.filter((e: { tenantid: string; moduleid: string; source: string }) => !(e.tenantid === owner.id && e.moduleid === 'inventory' && e.source === '/rcp/inventory'));
      expect(odd).toEqual([]);
      const catalog = await http().get('/v1/event-catalog');
      expect(JSON.stringify(catalog.body)).toContain('rcp.inventory.environment-retry-requested.v1');
    });

    it('documents every inventory endpoint in OpenAPI with a summary, a description and its problem responses', async () => {
      const doc = (await http().get('/docs-json')).body;
      const ops = [
        ['post', '/v1/environments', ['202', '400', '401', '403', '409']],
        ['get', '/v1/environments', ['200', '400', '401', '403']],
        ['get', '/v1/environments/{id}', ['200', '401', '403', '404']],
        ['delete', '/v1/environments/{id}', ['202', '401', '403', '404', '409', '412']],
        ['post', '/v1/environments/{id}/retry', ['202', '404', '409', '412']],
        ['get', '/v1/environments/{id}/services', ['200', '404']],
        ['put', '/v1/environments/{id}/actual-state', ['200', '400', '403', '404', '409']],
        ['post', '/v1/executor-callbacks/{operationId}', ['200', '400', '401']],
      ] as const;
      for (const [method, path, statuses] of ops) {
        const op = doc.paths[path]?.[method];
        expect({ path, method, summary: !!op?.summary, description: !!op?.description }).toEqual({ path, method, summary: true, description: true });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining([...statuses]));
      }
      expect(doc.components.schemas.RequestEnvironmentRequest.properties.name.example).toBe('web-staging');
      expect(doc.components.schemas.EnvironmentAcceptedResponse).toBeDefined();
    });
  });
});
