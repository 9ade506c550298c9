import { delivered, environmentIn, eventually, givenReadyEnvironment, givenTenant, GivenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const EXCHANGES_PER_MINUTE = 4;

describe('Runtime agents: enrollment, keys, tokens, capabilities (e2e)', () => {
  let t: App;
  /** Every secret this file was shown, for the leak check at the end. */
  const secrets: string[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const now = () => new Date().toISOString();

  const givenEnv = async (owner?: GivenTenant) => {
    const tenant = owner ?? (await givenTenant(t));
    const env = await givenReadyEnvironment(t, tenant, { projectId: 'shop' });
    await delivered(t, env.id);
    return { owner: tenant, env, base: `/v1/environments/${env.id}` };
  };

  const enroll = async (owner: GivenTenant, envId: string, capabilities?: string[]) => {
    const res = await t.http().post(`/v1/environments/${envId}/agent-enrollments`).set(bearer(owner.admin)).send(capabilities ? { capabilities } : {});
    expect(res.status).toBe(201);
    secrets.push(res.body.token);
    return res.body as { id: string; token: string; prefix: string; capabilities: string[]; expiresAt: string };
  };

  const redeem = async (token: string) => {
    const res = await t.http().post('/v1/agent-enrollments/redeem').set(bearer(token)).send();
    if (res.status === 201) secrets.push(res.body.key);
    return res;
  };

  const exchange = async (key: string) => {
    const res = await t.http().post('/v1/agent-tokens').set(bearer(key)).send();
    if (res.status === 200) secrets.push(res.body.token);
    return res;
  };

  /** An agent key and a token for it, through the whole path. */
  const givenAgent = async (owner: GivenTenant, envId: string, capabilities?: string[]) => {
    const enrollment = await enroll(owner, envId, capabilities);
    const redeemed = await redeem(enrollment.token);
    expect(redeemed.status).toBe(201);
    const token = await exchange(redeemed.body.key);
    expect(token.status).toBe(200);
    return { key: redeemed.body.key as string, keyId: redeemed.body.id as string, token: token.body.token as string };
  };

  const report = (envId: string, token: string) =>
    t.http().put(`/v1/environments/${envId}/actual-state`).set(bearer(token)).send({ observedAt: now(), services: [{ name: 'web', image: 'registry.example/web:1.0.0', replicas: 1, readyReplicas: 1, configChecksum: null }] });

  beforeAll(async () => {
    t = await startTestApp({ SIMULATED_READY_STEP_MS: '20', SIMULATED_LATENCY_MS: '20', JOB_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_BASE_MS: '10', RELAY_IDLE_MAX_MS: '50', AGENT_TOKEN_EXCHANGES_PER_MINUTE: String(EXCHANGES_PER_MINUTE) });
  });

  afterAll(async () => {
    try {
      await noSecretLeaked();
    } finally {
      await t.close();
    }
  });

  /** No secret shown in an answer reached the audit log, the event log, a job or an idempotency record. */
  const noSecretLeaked = async () => {
    // No secret shown in an answer reached the audit log, the event log or a job.
    const where = [
      ['audit log', `SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') AS text FROM platform.audit_log a`],
      ['event log', `SELECT coalesce(string_agg(row_to_json(e)::text, ''), '') AS text FROM platform.event_log e`],
      ['jobs', `SELECT coalesce(string_agg(row_to_json(j)::text, ''), '') AS text FROM platform.jobs j`],
      ['idempotency records', `SELECT coalesce(string_agg(row_to_json(i)::text, ''), '') AS text FROM platform.idempotency_keys i`],
    ];
    for (const [name, sql] of where) {
      const [{ text }] = await t.asOwner(sql);
      const leaked = secrets.filter((s) => s && (text as string).includes(s.slice(-43)));
      expect({ name, leaked }).toEqual({ name, leaked: [] });
    }
    expect(secrets.length).toBeGreaterThan(10);
    // The check reads what it should: the idempotency record of the replayed enrollment is there, without its token.
    const [{ n }] = await t.asOwner(`SELECT count(*)::int AS n FROM platform.idempotency_keys WHERE key = 'enroll-1' AND (response_body #>> '{}') LIKE '%"token":null%'`);
    expect(n).toBe(1);
  };

  it('enrolls an agent end to end: enrollment token → agent key → agent token → a report inventory accepts', async () => {
    const { owner, env, base } = await givenEnv();
    const enrollment = await enroll(owner, env.id);
    expect(enrollment.token).toMatch(/^rcpet_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(enrollment.prefix).toBe(enrollment.token.slice(0, 22));
    expect(enrollment.capabilities).toEqual(['report:actual-state', 'report:health', 'report:metrics']);
    expect(Date.parse(enrollment.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);

    const redeemed = await redeem(enrollment.token);
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ environmentId: env.id, state: 'active', capabilities: enrollment.capabilities, createdBy: `admin@${owner.id}`, lastUsedAt: null, version: 1 });
    expect(redeemed.body.key).toMatch(/^rcpak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(redeemed.body.key.startsWith(redeemed.body.prefix)).toBe(true);

    const token = await exchange(redeemed.body.key);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 600, environmentId: env.id, capabilities: enrollment.capabilities });
    const claims = JSON.parse(Buffer.from(token.body.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ roles: ['agent'], tenant_id: owner.id, environment_id: env.id, key_id: redeemed.body.id, sub: `agent-key:${redeemed.body.id}` });
    expect(claims.exp - claims.iat).toBe(600);

    expect((await report(env.id, token.body.token)).status).toBe(200);
    const services = await t.http().get(`${base}/services`).set(bearer(owner.viewer));
    expect(services.body.items.map((s: { name: string }) => s.name)).toEqual(['web']);

    const keys = await t.http().get(`${base}/agent-keys`).set(bearer(owner.admin));
    expect(keys.status).toBe(200);
    expect(keys.body.items).toEqual([expect.objectContaining({ id: redeemed.body.id, prefix: redeemed.body.prefix, state: 'active', lastUsedAt: expect.any(String) })]);
    expect(JSON.stringify(keys.body)).not.toContain(redeemed.body.key.slice(-43));

    const audit = await t.asOwner(`SELECT action, result, actor FROM platform.audit_log WHERE tenant_id = $1 AND action LIKE 'agent-%' ORDER BY id`, [owner.id]);
    expect(audit).toEqual([
      { action: 'agent-enrollment.issue', result: 'allowed', actor: `admin@${owner.id}` },
      { action: 'agent-enrollment.redeem', result: 'allowed', actor: `agent-enrollment:${enrollment.id}` },
      { action: 'agent-token.issue', result: 'allowed', actor: `agent-key:${redeemed.body.id}` },
    ]);
  });

  describe('enrollment', () => {
    it('is for tenant admins of a ready environment they can see, with known capabilities', async () => {
      const { owner, env, base } = await givenEnv();
      const other = await givenTenant(t);
      const post = (token: string, body: object = {}, path = `${base}/agent-enrollments`) => t.http().post(path).set(bearer(token)).send(body);
      expect((await post(owner.viewer)).status).toBe(403);
      expect((await post(owner.deployer)).status).toBe(403);
      expect((await post(owner.agent(env.id))).status).toBe(403);
      expect((await post(platformTokens(t).admin)).status).toBe(403);
      expect((await post(other.admin)).status).toBe(404);
      expect((await post(owner.token('tenant:admin', { projectIds: ['web'] }))).status).toBe(404);
      expect((await post(owner.admin, {}, '/v1/environments/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/agent-enrollments')).status).toBe(404);
      const unknown = await post(owner.admin, { capabilities: ['report:health', 'deploy:everything'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toContain('deploy:everything');
      expect((await post(owner.admin, { capabilities: [] })).status).toBe(400);
      expect((await post(owner.admin, { capabilities: ['REPORT health'] })).status).toBe(400);
      expect((await post(owner.admin, { capabilities: ['report:health'], extra: 1 })).status).toBe(400);

      const denied = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'agent-enrollment.issue' AND result = 'denied' AND target_id = $1`, [env.id]);
      expect(denied[0].n).toBeGreaterThanOrEqual(8);
    });

    it('is refused once the environment is going away (409 precondition_failed), and its pending token can no longer be redeemed', async () => {
      const { owner, env, base } = await givenEnv();
      const pending = await enroll(owner, env.id);
      expect((await t.http().delete(base).set(bearer(owner.admin))).status).toBe(202);
      await eventually(async () => (await t.asOwner(`SELECT state FROM access.environments WHERE environment_id = $1`, [env.id]))[0]?.state !== 'ready', 10_000, 25, 'access sees the decommissioning');
      const refused = await t.http().post(`${base}/agent-enrollments`).set(bearer(owner.admin)).send({});
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('precondition_failed');
      expect(refused.body.reasons).toEqual([expect.stringContaining('not ready')]);
      expect((await redeem(pending.token)).status).toBe(409);
    });

    it('replays an Idempotency-Key without showing the token again', async () => {
      const { owner, base } = await givenEnv();
      const send = () => t.http().post(`${base}/agent-enrollments`).set(bearer(owner.admin)).set('idempotency-key', 'enroll-1').send({ capabilities: ['report:health'] });
      const first = await send();
      secrets.push(first.body.token);
      expect(first.status).toBe(201);
      expect(first.body.token).toMatch(/^rcpet_/);
      const again = await send();
      expect(again.status).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.body).toEqual({ ...first.body, token: null });
    });
  });

  describe('redemption', () => {
    it('refuses a missing, malformed, forged, reused or expired enrollment token with 401, each audited', async () => {
      const { owner, env } = await givenEnv();
      const enrollment = await enroll(owner, env.id);
      const expired = await enroll(owner, env.id);
      await t.asOwner(`UPDATE access.agent_enrollments SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
      const forged = `${enrollment.token.slice(0, 23)}${'A'.repeat(43)}`;
      const cases: Array<[string, Record<string, string>, RegExp]> = [
        ['no bearer', {}, /enrollment token/],
        ['a JWT', bearer(owner.admin), /enrollment token/],
        ['an agent key format', bearer(enrollment.token.replace('rcpet_', 'rcpak_')), /enrollment token/],
        ['an unknown token', bearer(`rcpet_0123456789abcdef_${'B'.repeat(43)}`), /unknown enrollment token/],
        ['a forged secret', bearer(forged), /unknown enrollment token/],
        ['an expired token', bearer(expired.token), /expired/],
      ];
      for (const [what, headers, detail] of cases) {
        const res = await t.http().post('/v1/agent-enrollments/redeem').set(headers).send();
        expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status: 401, code: 'unauthenticated' });
        expect(res.body.detail).toMatch(detail);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
      expect((await redeem(enrollment.token)).status).toBe(201);
      const reused = await redeem(enrollment.token);
      expect(reused.status).toBe(401);
      expect(reused.body.detail).toMatch(/already used/);
      const denied = await t.asOwner(`SELECT tenant_id, count(*)::int AS n FROM platform.audit_log WHERE action = 'agent-enrollment.redeem' AND result = 'denied' AND (tenant_id = $1 OR tenant_id IS NULL) GROUP BY tenant_id ORDER BY tenant_id NULLS LAST`, [owner.id]);
      // Forged, expired and reused name the enrollment's tenant, and so does the tenant admin's JWT sent by mistake;
      // a missing, misshapen or unknown token names nobody, and is filed under no tenant.
      expect(denied.find((r: { tenant_id: string | null }) => r.tenant_id === owner.id)?.n).toBe(4);
      expect(denied.find((r: { tenant_id: string | null }) => r.tenant_id === null)?.n).toBeGreaterThanOrEqual(3);
    });

    it('lets exactly one of several concurrent redemptions of one token succeed', async () => {
      const { owner, env, base } = await givenEnv();
      const enrollment = await enroll(owner, env.id);
      const answers = await Promise.all(Array.from({ length: 6 }, () => redeem(enrollment.token)));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 401, 401, 401, 401, 401]);
      const keys = await t.http().get(`${base}/agent-keys`).set(bearer(owner.admin));
      expect(keys.body.items).toHaveLength(1);
    });
  });

  describe('agent tokens and capabilities', () => {
    it('lets a key do only what its capabilities allow, only in its environment', async () => {
      const { owner, env, base } = await givenEnv();
      const { env: otherEnv } = await givenEnv(owner);
      const { token } = await givenAgent(owner, env.id, ['report:health']);
      const health = await t.http().post(`${base}/health-reports`).set(bearer(token)).send({ observedAt: now(), checks: [{ service: 'web', status: 'pass' }] });
      expect(health.status).toBe(200);
      const state = await report(env.id, token);
      expect(state.status).toBe(403);
      expect(state.body.detail).toContain('report:actual-state');
      const metrics = await t.http().post(`${base}/metrics`).set(bearer(token)).send({ observedAt: now(), services: [{ service: 'web', cpu: 10 }] });
      expect(metrics.status).toBe(403);
      expect(metrics.body.detail).toContain('report:metrics');
      expect((await report(otherEnv.id, token)).status).toBe(403);
      // An agent token is an agent's: it reads and changes nothing else.
      expect((await t.http().get(base).set(bearer(token))).status).toBe(403);
      expect((await t.http().post(`${base}/agent-enrollments`).set(bearer(token)).send({})).status).toBe(403);
      const denied = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE actor LIKE 'agent-key:%' AND result = 'denied' AND tenant_id = $1`, [owner.id]);
      expect(denied[0].n).toBeGreaterThanOrEqual(4);
    });

    it('refuses an unknown key, a key as a JWT, and a flood of exchanges for one key (429)', async () => {
      const { owner, env } = await givenEnv();
      const { key } = await givenAgent(owner, env.id);
      const unknown = await t.http().post('/v1/agent-tokens').set(bearer(`rcpak_fedcba9876543210_${'C'.repeat(43)}`)).send();
      expect(unknown.status).toBe(401);
      expect((await t.http().post('/v1/agent-tokens').set(bearer(owner.admin)).send()).status).toBe(401);
      expect((await report(env.id, key)).status).toBe(401);
      const answers: number[] = [];
      for (let i = 0; i < EXCHANGES_PER_MINUTE; i++) answers.push((await exchange(key)).status);
      const flood = await exchange(key);
      expect(answers.filter((s) => s === 200).length).toBe(EXCHANGES_PER_MINUTE - 1); // givenAgent made the first
      expect(flood.status).toBe(429);
      expect(flood.body.code).toBe('rate_limited');
      expect(Number(flood.headers['retry-after'])).toBeGreaterThan(0);
      // Another key of the same environment has its own budget.
      expect((await givenAgent(owner, env.id)).token).toBeTruthy();
    });

    it('refuses a suspended tenant\'s agent its token (403 tenant_suspended)', async () => {
      const { owner, env } = await givenEnv();
      const { key } = await givenAgent(owner, env.id);
      expect((await t.http().post(`/v1/tenants/${owner.id}/suspend`).set(bearer(platformTokens(t).admin)).send()).status).toBe(200);
      const refused = await eventually(async () => {
        const res = await t.http().post('/v1/agent-tokens').set(bearer(key)).send();
        return res.status === 403 ? res : undefined;
      }, 5_000, 100, 'the gate sees the suspension');
      expect(refused.body.code).toBe('tenant_suspended');
    });
  });

  describe('keys', () => {
    it('are listed for admins and platform operators, revoked with If-Match, and a revoked key\'s tokens stop at once', async () => {
      const { owner, env, base } = await givenEnv();
      const { key, keyId, token } = await givenAgent(owner, env.id);
      expect((await report(env.id, token)).status).toBe(200);
      expect((await t.http().get(`${base}/agent-keys`).set(bearer(platformTokens(t).viewer))).status).toBe(200);
      expect((await t.http().get(`${base}/agent-keys`).set(bearer(owner.viewer))).status).toBe(403);
      expect((await t.http().get(`${base}/agent-keys`).set(bearer(owner.token('tenant:admin', { projectIds: ['web'] })))).status).toBe(404);
      expect((await t.http().delete(`${base}/agent-keys/${keyId}`).set(bearer(owner.deployer))).status).toBe(403);
      expect((await t.http().delete(`${base}/agent-keys/${keyId}`).set(bearer(owner.admin)).set('if-match', '"7"')).status).toBe(412);

      const revoked = await t.http().delete(`${base}/agent-keys/${keyId}?reason=host%20rebuilt`).set(bearer(owner.admin)).set('if-match', '"1"');
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: keyId, state: 'revoked', revokedBy: `admin@${owner.id}`, revokedReason: 'host rebuilt', version: 2 });
      expect(revoked.headers.etag).toBe('"2"');

      const refused = await report(env.id, token);
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toMatch(/revoked/);
      expect((await exchange(key)).status).toBe(401);
      const again = await t.http().delete(`${base}/agent-keys/${keyId}`).set(bearer(owner.admin));
      expect(again.status).toBe(200);
      expect(again.body.version).toBe(2);
      expect((await t.http().get(`${base}/agent-keys`).set(bearer(owner.admin))).body.items).toEqual([]);
      const all = await t.http().get(`${base}/agent-keys?includeRevoked=true`).set(bearer(owner.admin));
      expect(all.body.items.map((k: { id: string; state: string }) => [k.id, k.state])).toEqual([[keyId, 'revoked']]);
      expect((await t.http().delete(`${base}/agent-keys/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d`).set(bearer(owner.admin))).status).toBe(404);
      const audit = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'agent-key.revoke' AND result = 'allowed' AND target_id = $1`, [keyId]);
      expect(audit[0].n).toBe(1);
    });

    it('pages in creation order', async () => {
      const { owner, env, base } = await givenEnv();
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await givenAgent(owner, env.id)).keyId);
      const first = await t.http().get(`${base}/agent-keys?limit=2`).set(bearer(owner.admin));
      const second = await t.http().get(`${base}/agent-keys?limit=2&cursor=${first.body.nextCursor}`).set(bearer(owner.admin));
      expect([...first.body.items, ...second.body.items].map((k: { id: string }) => k.id)).toEqual(ids);
      expect(second.body.nextCursor).toBeNull();
    });

    it('are revoked by the system when their environment is decommissioned', async () => {
      const { owner, env, base } = await givenEnv();
      const { keyId, token } = await givenAgent(owner, env.id);
      expect((await t.http().delete(base).set(bearer(owner.admin))).status).toBe(202);
      await environmentIn(t, owner, env.id, 'decommissioned');
      await delivered(t, env.id);
      const all = await t.http().get(`${base}/agent-keys?includeRevoked=true`).set(bearer(owner.admin));
      expect(all.body.items).toEqual([expect.objectContaining({ id: keyId, state: 'revoked', revokedBy: 'system', revokedReason: 'environment decommissioned' })]);
      expect((await report(env.id, token)).status).toBe(401);
    });
  });
});
