import { randomUUID } from 'node:crypto';
import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, deploymentIn, eventsOf, eventually, givenReadyEnvironment, givenTenant, GivenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(90_000);

const GATE = { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 };
const ROLLING = { type: 'rolling', maxSurge: 1, maxUnavailable: 0 };
const REPO = 'https://git.example.com/acme/platform-config.git';
const commit = () => randomUUID().replace(/-/g, '').slice(0, 40).padEnd(40, '0');

interface Finding {
  id: string;
  state: string;
  kind: string;
  service: string;
  reason: string | null;
  desired: unknown;
  actual: unknown;
  attempts: Array<{ deploymentId: string | null; outcome: string; action: string; automatic: boolean }>;
  resolution: { how: string } | null;
  version: number;
}

/**
 * Drift over HTTP with the simulated data plane running the workloads and inventory reading them back:
 * a desired state from "Git" that differs from what runs becomes a finding with its evidence, a
 * corrective deployment (reason drift-remediation) remediates it, and the finding is resolved; an image
 * the health gate rolled back is quarantined; and every endpoint with its refusals.
 */
describe('Drift API (e2e)', () => {
  let t: App;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      SIMULATED_READY_STEP_MS: '30',
      SIMULATED_LATENCY_MS: '20',
      HEALTH_PULL_INTERVAL_SECONDS: '1',
      ACTUAL_STATE_PULL_INTERVAL_SECONDS: '1',
      DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
      DRIFT_DEBOUNCE_SECONDS: '1',
      JOB_BACKOFF_BASE_MS: '50',
      DELIVERY_BACKOFF_BASE_MS: '10',
      RELAY_IDLE_MAX_MS: '50',
    });
  });
  afterAll(() => t.close());

  const givenEnv = async (owner?: GivenTenant) => {
    const tenant = owner ?? (await givenTenant(t));
    const env = await givenReadyEnvironment(t, tenant, { projectId: 'shop' });
    expect((await t.http().post(`/v1/environments/${env.id}/config-versions`).set(bearer(tenant.admin)).send({ service: 'checkout', entries: { LOG_LEVEL: 'info' } })).status).toBe(201);
    await delivered(t, env.id);
    return { owner: tenant, env };
  };
  const deployed = async (owner: GivenTenant, envId: string, image: string) => {
    // Accepted once the deployment context's read models have the configuration version (its events travel on their own).
    const res = await eventually(async () => {
      const r = await t.http().post('/v1/deployments').set(bearer(owner.deployer)).send({ environmentId: envId, service: 'checkout', image, configVersion: 1, secretBindings: [], strategy: ROLLING, healthGate: GATE, replicas: 2 });
      return r.status === 409 && r.body.code === 'precondition_failed' ? undefined : r;
    }, 15_000, 100, 'the deployment accepted');
    expect(res.status).toBe(202);
    expect((await deploymentIn(t, owner.viewer, res.body.id, ['succeeded', 'failed', 'rolled_back'], 45_000)).state).toBe('succeeded');
    // Inventory reads it back from the data plane.
    await eventually(async () => {
      const services = await t.http().get(`/v1/environments/${envId}/services`).set(bearer(owner.viewer));
      return services.body.items?.some((s: { name: string; image: string }) => s.name === 'checkout' && s.image === image);
    }, 20_000, 100, `inventory sees ${image}`);
    return res.body.id as string;
  };
  const postDesired = (token: string, envId: string, services: object[], extra: Record<string, unknown> = {}) =>
    t.http().put(`/v1/environments/${envId}/desired-state`).set(bearer(token)).send({ source: { repository: REPO, revision: commit(), path: 'envs/prod' }, services, ...extra });
  const findings = async (token: string, envId: string, query = ''): Promise<Finding[]> => (await t.http().get(`/v1/drift-findings?environmentId=${envId}${query}`).set(bearer(token))).body.items;
  const findingIn = (token: string, envId: string, match: (f: Finding) => boolean, what: string, ms = 30_000) =>
    eventually(async () => (await findings(token, envId)).find(match), ms, 100, what);

  it('turns a desired state that differs from what runs into a finding, remediates it with a corrective deployment under an auto policy, and resolves it', async () => {
    const { owner, env } = await givenEnv();
    await deployed(owner, env.id, 'registry.example/checkout:1.0.0');

    const posted = await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.1.0', replicas: 2 }]);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ environmentId: env.id, current: true, reason: null, source: { repository: REPO, path: 'envs/prod' }, recordedBy: `deployer@${owner.id}` });

    // Manual (the default): the finding waits for a person, saying so.
    const open = await findingIn(owner.viewer, env.id, (f) => f.kind === 'image-mismatch' && f.reason !== null, 'an image-mismatch finding');
    expect(open).toMatchObject({ state: 'open', service: 'checkout', desired: 'registry.example/checkout:1.1.0', actual: 'registry.example/checkout:1.0.0', reason: 'remediation policy is manual: remediate it or suppress it', attempts: [] });
    const status = await t.http().get(`/v1/environments/${env.id}/drift`).set(bearer(owner.viewer));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ environmentId: env.id, policy: { mode: 'manual' }, findings: { open: 1 }, desired: { repository: REPO, services: 1 } });

    // Auto: a corrective deployment of the desired image, then the finding resolved by the reconciliation that sees it run.
    const policy = await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).send({ mode: 'auto', allow: ['redeploy', 'reapply'] });
    expect(policy.status).toBe(200);
    expect(policy.headers.etag).toBe('"1"');
    const remediating = await findingIn(owner.viewer, env.id, (f) => f.id === open.id && f.attempts[0]?.deploymentId !== null && f.attempts.length > 0, 'a corrective deployment');
    const deploymentId = remediating.attempts[0].deploymentId!;
    expect(remediating.attempts[0]).toMatchObject({ action: 'redeploy', automatic: true });
    const corrective = await deploymentIn(t, owner.viewer, deploymentId, ['succeeded', 'failed', 'rolled_back'], 45_000);
    expect(corrective).toMatchObject({ state: 'succeeded', reason: 'drift-remediation', cause: { findingId: open.id }, release: { image: 'registry.example/checkout:1.1.0' }, createdBy: 'system:drift-auto-remediation' });
    const resolved = await findingIn(owner.viewer, env.id, (f) => f.id === open.id && f.state === 'resolved', 'the finding resolved');
    expect(resolved.resolution).toMatchObject({ how: `remediated by deployment ${deploymentId}` });
    expect(resolved.attempts[0]).toMatchObject({ outcome: 'succeeded', deploymentId });
    expect((await t.http().get(`/v1/drift-findings/${open.id}`).set(bearer(owner.viewer))).headers.etag).toBe(`"${resolved.version}"`);

    const types = (await eventsOf(t, open.id, 'rcp.drift.')).map((e) => e.type);
    expect(types).toEqual(['rcp.drift.drift-detected.v1', 'rcp.drift.remediation-requested.v1', 'rcp.drift.drift-resolved.v1']);
    const envTypes = (await eventsOf(t, env.id, 'rcp.drift.')).map((e) => e.type);
    expect(envTypes).toEqual(expect.arrayContaining(['rcp.drift.desired-state-recorded.v1', 'rcp.drift.reconciliation-completed.v1']));
    // The audit log has the person's and the system's mutations.
    const audit = await t.asOwner(`SELECT action, result FROM platform.audit_log WHERE tenant_id = $1 AND action LIKE ANY (ARRAY['desired-state.%', 'remediation-policy.%', 'drift.%', 'drift-finding.%']) ORDER BY id`, [owner.id]);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['desired-state.record', 'remediation-policy.set', 'drift.reconcile']));
  });

  it('quarantines an image its health gate rolled back: it is not re-applied while the desired state names it, and a newer revision ends it', async () => {
    const { owner, env } = await givenEnv();
    await deployed(owner, env.id, 'registry.example/checkout:1.0.0');
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).send({ mode: 'auto' })).status).toBe(200);
    expect((await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.1.0-unhealthy', replicas: 2 }])).status).toBe(200);

    const quarantined = await findingIn(owner.viewer, env.id, (f) => f.state === 'quarantined', 'the finding quarantined', 60_000);
    expect(quarantined.reason).toMatch(/rolled back by its health gate/);
    const corrective = quarantined.attempts[0].deploymentId!;
    expect((await deploymentIn(t, owner.viewer, corrective, ['rolled_back', 'failed', 'succeeded'], 45_000)).state).toBe('rolled_back');
    // Reconciliations go on (a change: inventory sees 1.0.0 again), and nothing deploys the broken image again.
    expect((await t.http().post(`/v1/environments/${env.id}/reconcile`).set(bearer(owner.deployer))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 3_000));
    const again = (await t.http().get(`/v1/deployments?environmentId=${env.id}`).set(bearer(owner.viewer))).body.items.filter((d: { reason: string }) => d.reason === 'drift-remediation');
    expect(again.map((d: { id: string }) => d.id)).toEqual([corrective]);
    expect((await findings(owner.viewer, env.id)).find((f) => f.id === quarantined.id)?.state).toBe('quarantined');
    expect((await t.http().post(`/v1/drift-findings/${quarantined.id}/remediate`).set(bearer(owner.deployer)).send({})).body).toMatchObject({ status: 409, code: 'invalid_state_transition' });

    // A newer desired state (another image): the quarantined finding's divergence is gone, a new one is remediated.
    expect((await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.2.0', replicas: 2 }])).status).toBe(200);
    // (60 s like the other waits of this test: the change-triggered run queues behind every test's pulls and gate judgements under a loaded CI)
    await findingIn(owner.viewer, env.id, (f) => f.id === quarantined.id && f.state === 'resolved', 'the quarantined finding resolved', 60_000);
    const next = await findingIn(owner.viewer, env.id, (f) => f.desired === 'registry.example/checkout:1.2.0' && f.state === 'resolved', 'the new finding remediated', 60_000);
    expect(next.resolution?.how).toMatch(/^remediated by deployment /);
    expect((await eventsOf(t, quarantined.id, 'rcp.drift.')).map((e) => e.type)).toEqual(
      expect.arrayContaining(['rcp.drift.drift-detected.v1', 'rcp.drift.remediation-requested.v1', 'rcp.drift.finding-quarantined.v1', 'rcp.drift.drift-resolved.v1']),
    );
  });

  it('records every desired state, keeps the newest, and says when an older revision does not replace it', async () => {
    const { owner, env } = await givenEnv();
    expect((await t.http().get(`/v1/environments/${env.id}/desired-state`).set(bearer(owner.viewer))).status).toBe(404);
    const newest = await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 3 }], { observedAt: '2026-12-04T10:00:00Z' });
    expect(newest.status).toBe(200);
    const older = await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 3 }], { observedAt: '2026-12-04T09:00:00Z' });
    expect(older.status).toBe(200);
    expect(older.body).toMatchObject({ current: false, reason: expect.stringContaining('older than the newest snapshot') });
    const got = await t.http().get(`/v1/environments/${env.id}/desired-state`).set(bearer(owner.viewer));
    expect(got.body).toMatchObject({ id: newest.body.id, services: [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 3, configChecksum: null }] });
    // The same again records nothing new.
    const same = await t.http().put(`/v1/environments/${env.id}/desired-state`).set(bearer(owner.deployer)).send({ source: newest.body.source, services: [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 3 }] });
    expect(same.body).toMatchObject({ id: newest.body.id, current: true });
    expect((await t.asOwner(`SELECT count(*)::int AS n FROM drift.desired_states WHERE environment_id = $1`, [env.id]))[0].n).toBe(2);
    // The history, newest recorded first, one page at a time.
    const page1 = await t.http().get(`/v1/environments/${env.id}/desired-states?limit=1`).set(bearer(owner.viewer));
    expect(page1.body.items.map((d: { id: string; current: boolean }) => [d.id, d.current])).toEqual([[older.body.id, false]]);
    const page2 = await t.http().get(`/v1/environments/${env.id}/desired-states?limit=1&cursor=${page1.body.nextCursor}`).set(bearer(owner.viewer));
    expect(page2.body).toMatchObject({ items: [{ id: newest.body.id, current: true, reason: null }], nextCursor: null });
    expect((await t.http().get(`/v1/environments/${env.id}/desired-states?cursor=bogus`).set(bearer(owner.viewer))).status).toBe(400);
    expect((await eventsOf(t, env.id, 'rcp.drift.desired-state-recorded')).map((e) => (e.data as { current: boolean }).current)).toEqual([true, false]);
  });

  it('refuses bad desired states with 400 naming the field', async () => {
    const { owner, env } = await givenEnv();
    const svc = { name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 1 };
    const cases: Array<[string, object, string]> = [
      ['duplicate service names', { services: [svc, svc] }, 'services[1].name'],
      ['an image without tag or digest', { services: [{ ...svc, image: 'registry.example/checkout' }] }, 'services[0].image'],
      ['negative replicas', { services: [{ ...svc, replicas: -2 }] }, 'services[0].replicas'],
      ['a revision that is not a commit id', { source: { repository: REPO, revision: 'main', path: 'envs/prod' } }, 'source.revision'],
    ];
    for (const [what, patch, field] of cases) {
      const res = await t.http().put(`/v1/environments/${env.id}/desired-state`).set(bearer(owner.deployer)).send({ source: { repository: REPO, revision: commit(), path: 'x' }, services: [svc], ...patch });
      expect({ what, status: res.status, code: res.body.code, fields: res.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ what, status: 400, code: 'validation_failed', fields: [field] });
    }
    const unknown = await t.http().put(`/v1/environments/${env.id}/desired-state`).set(bearer(owner.deployer)).send({ source: { repository: REPO, revision: commit(), path: 'x' }, services: [{ ...svc, colour: 'red' }] });
    expect(unknown.status).toBe(400);
    expect((await t.http().get(`/v1/drift-findings?state=sideways`).set(bearer(owner.viewer))).status).toBe(400);
  });

  it('reconciles on demand (202 with the job), suppresses and refuses what a finding\'s state does not allow', async () => {
    const { owner, env } = await givenEnv();
    expect((await t.http().post(`/v1/environments/${env.id}/reconcile`).set(bearer(owner.deployer))).body).toMatchObject({ status: 409, code: 'precondition_failed' });
    // Something runs that Git does not declare (started on the data plane by hand), and something Git declares does not run.
    const world = t.app.get(SimulatedDataPlane).world;
    await world.submit({
      kind: 'apply-revision',
      operationId: randomUUID(),
      attempt: 1,
      callbackUrl: '',
      environmentId: env.id,
      service: 'debug-shell',
      spec: { revision: 'debug-1', image: 'registry.example/busybox:1.36', configChecksum: null, secretRefs: [], replicas: 1, trafficWeight: 100 },
    } as never);
    await eventually(async () => (await t.http().get(`/v1/environments/${env.id}/services`).set(bearer(owner.viewer))).body.items?.length === 1, 20_000, 100, 'inventory sees debug-shell');
    expect((await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }])).status).toBe(200);
    const res = await t.http().post(`/v1/environments/${env.id}/reconcile`).set(bearer(owner.deployer));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ environmentId: env.id, state: 'queued', jobId: expect.any(String) });
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.jobId}`);
    await eventually(async () => ['completed'].includes((await t.http().get(`/v1/jobs/${res.body.jobId}`).set(bearer(owner.viewer))).body.state), 20_000, 100, 'the reconcile job');

    await eventually(async () => (await findings(owner.viewer, env.id)).length === 2, 30_000, 100, 'two findings');
    const all = await findings(owner.viewer, env.id);
    expect(all.map((f) => `${f.service}:${f.kind}`).sort()).toEqual(['checkout:missing-service', 'debug-shell:unexpected-service']);
    expect((await findings(owner.viewer, env.id, '&kind=unexpected-service')).map((f) => f.service)).toEqual(['debug-shell']);
    const unexpected = all.find((f) => f.kind === 'unexpected-service')!;
    const missing = all.find((f) => f.kind === 'missing-service')!;
    // Reconciling again deduplicates: the same findings, seen again.
    expect((await t.http().post(`/v1/environments/${env.id}/reconcile`).set(bearer(owner.deployer))).status).toBe(202);
    await eventually(async () => (await findings(owner.viewer, env.id)).every((f) => f.id === unexpected.id || f.id === missing.id) && (await t.http().get(`/v1/drift-findings/${missing.id}`).set(bearer(owner.viewer))).body.occurrences >= 2, 20_000, 100, 'seen again');

    // No deployment removes a service: remediating one is refused with the reason.
    const refused = await t.http().post(`/v1/drift-findings/${unexpected.id}/remediate`).set(bearer(owner.deployer)).send({});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'precondition_failed', reasons: [expect.stringContaining('removes a service')] });
    // Suppress with a reason; then remediate and suppress again are refused by its state; a stale If-Match is 412.
    const current = (await t.http().get(`/v1/drift-findings/${unexpected.id}`).set(bearer(owner.viewer))).body;
    expect((await t.http().post(`/v1/drift-findings/${unexpected.id}/suppress`).set(bearer(owner.deployer)).set('If-Match', `"${current.version + 5}"`).send({ reason: 'x' })).status).toBe(412);
    const suppressed = await t.http().post(`/v1/drift-findings/${unexpected.id}/suppress`).set(bearer(owner.deployer)).send({ reason: 'debugging an incident', until: new Date(Date.now() + 3_600_000).toISOString() });
    expect(suppressed.status).toBe(200);
    expect(suppressed.body).toMatchObject({ state: 'suppressed', suppression: { reason: 'debugging an incident', by: `deployer@${owner.id}` } });
    expect((await t.http().post(`/v1/drift-findings/${unexpected.id}/suppress`).set(bearer(owner.deployer)).send({ reason: 'again' })).body).toMatchObject({ status: 409, code: 'invalid_state_transition' });
    expect((await t.http().post(`/v1/drift-findings/${unexpected.id}/suppress`).set(bearer(owner.deployer)).send({})).status).toBe(400);
    expect((await eventsOf(t, unexpected.id, 'rcp.drift.')).map((e) => e.type)).toEqual(['rcp.drift.drift-detected.v1', 'rcp.drift.finding-suppressed.v1']);
    // A person remediates the missing service (its image never ran here: redeploy); without a configuration pinned, the published one is used.
    const manual = await t.http().post(`/v1/drift-findings/${missing.id}/remediate`).set(bearer(owner.deployer)).send({});
    expect(manual.status).toBe(202);
    expect(manual.body).toMatchObject({ state: 'remediating', attempts: [{ action: 'redeploy', automatic: false, requestedBy: `deployer@${owner.id}`, outcome: 'requested' }] });
    const fixed = await findingIn(owner.viewer, env.id, (f) => f.id === missing.id && f.state === 'resolved', 'the missing service deployed', 60_000);
    expect(fixed.resolution?.how).toMatch(/^remediated by deployment /);
  });

  it('lets readers read and writers write, hides other tenants (404), and refuses a missing token on every route (401)', async () => {
    const { owner, env } = await givenEnv();
    const other = await givenTenant(t);
    expect((await postDesired(owner.deployer, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 1 }])).status).toBe(200);
    const finding = await findingIn(owner.viewer, env.id, () => true, 'a finding');
    // Roles.
    expect((await postDesired(owner.viewer, env.id, [])).status).toBe(403);
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.deployer)).send({ mode: 'auto' })).status).toBe(403);
    expect((await t.http().post(`/v1/drift-findings/${finding.id}/suppress`).set(bearer(owner.viewer)).send({ reason: 'x' })).status).toBe(403);
    const denied = await t.asOwner(`SELECT action, target_id, result FROM platform.audit_log WHERE tenant_id = $1 AND result = 'denied' ORDER BY id`, [owner.id]);
    expect(denied).toEqual([
      { action: 'desired-state.record', target_id: env.id, result: 'denied' },
      { action: 'remediation-policy.set', target_id: env.id, result: 'denied' },
      { action: 'drift-finding.suppress', target_id: finding.id, result: 'denied' },
    ]);
    // The default policy, then If-Match.
    const policy = await t.http().get(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.viewer));
    expect(policy.body).toMatchObject({ mode: 'manual', allow: ['reapply', 'redeploy', 'rollback'], windows: [], reconcileIntervalSeconds: null, version: 0 });
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).set('If-Match', '"9"').send({ mode: 'auto' })).status).toBe(412);
    const windows = await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).send({ mode: 'auto', windows: [{ days: ['sat'], start: '02:00', end: '03:00' }], reconcileIntervalSeconds: 60 });
    expect(windows.status).toBe(200);
    expect(windows.body).toMatchObject({ version: 1, mode: 'auto', reconcileIntervalSeconds: 60 });
    expect(windows.headers.etag).toBe('"1"');
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).set('If-Match', '"1"').send({ mode: 'auto', windows: [{ days: ['sat'], start: '26:00', end: '03:00' }] })).status).toBe(400);
    // Another tenant sees nothing of it.
    for (const [method, path] of [
      ['get', `/v1/environments/${env.id}/desired-state`],
      ['get', `/v1/environments/${env.id}/drift`],
      ['get', `/v1/environments/${env.id}/remediation-policy`],
      ['get', `/v1/drift-findings/${finding.id}`],
      ['post', `/v1/drift-findings/${finding.id}/suppress`],
      ['post', `/v1/environments/${env.id}/reconcile`],
    ] as const) {
      const res = await t.http()[method](path).set(bearer(other.admin)).send(method === 'post' ? { reason: 'x' } : undefined);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect(await findings(other.viewer, env.id)).toEqual([]);
    // A project-scoped token of another project does not see it either; a platform viewer does.
    expect((await t.http().get(`/v1/drift-findings/${finding.id}`).set(bearer(owner.token('tenant:viewer', { projectIds: ['other'] })))).status).toBe(404);
    expect((await t.http().get(`/v1/drift-findings/${finding.id}`).set(bearer(platformTokens(t).viewer))).status).toBe(200);
    // No token.
    for (const [method, path] of [
      ['put', `/v1/environments/${env.id}/desired-state`],
      ['get', `/v1/environments/${env.id}/desired-state`],
      ['get', `/v1/environments/${env.id}/desired-states`],
      ['post', `/v1/environments/${env.id}/reconcile`],
      ['put', `/v1/environments/${env.id}/remediation-policy`],
      ['get', `/v1/environments/${env.id}/remediation-policy`],
      ['get', `/v1/environments/${env.id}/drift`],
      ['get', '/v1/drift-findings'],
      ['get', `/v1/drift-findings/${finding.id}`],
      ['post', `/v1/drift-findings/${finding.id}/remediate`],
      ['post', `/v1/drift-findings/${finding.id}/suppress`],
    ] as const) {
      const res = await t.http()[method](path).send({});
      expect({ path, method, status: res.status }).toEqual({ path, method, status: 401 });
    }
  });
});
