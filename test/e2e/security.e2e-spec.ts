import { Controller, HttpCode, Module, Param, Put } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { AgentKeyStatus, AgentTokenKeys, Authorize } from '@rcp/auth';
import { ApiNoContentResponse } from '@nestjs/swagger';
import { ApiProblems } from '@rcp/http';
import { startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const ROOT = join(__dirname, '..', '..');

/**
 * Test-only: an agent report endpoint, with the same `@Authorize(['agent'], { environmentParam, capability })`
 * the agent endpoints of inventory and health carry, open to agents only.
 */
@Controller('v1/test-only/environments')
class AgentReportsController {
  @Put(':environmentId/actual-state')
  @HttpCode(204)
  @Authorize(['agent'], { environmentParam: 'environmentId', capability: 'report:actual-state' })
  @ApiNoContentResponse({ description: 'The report was taken' })
  @ApiProblems('forbidden')
  report(@Param('environmentId') _environmentId: string): void {}
}

@Module({ controllers: [AgentReportsController] })
class AgentReportsModule {}

describe('authentication and authorization (e2e)', () => {
  let t: App;
  const http = () => t.http();

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { extraModules: [AgentReportsModule] });
  });
  afterAll(() => t.close());

  const auditOf = async (correlationId: string) =>
    t.ds.query(`SELECT actor, actor_kind, action, result, status, code, tenant_id FROM platform.audit_log WHERE correlation_id = $1`, [correlationId]);

  const claims = { roles: ['platform:admin'], sub: 'mallory' };
  const sign = (secret: string, opts: jwt.SignOptions = {}) =>
    jwt.sign(claims, secret, { algorithm: 'HS256', issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE, expiresIn: 300, ...opts });

  it.each([
    ['no token', () => undefined],
    ['a malformed token', () => 'not.a.jwt'],
    ['a forged token (wrong secret)', () => sign('another-secret-that-is-at-least-32-chars')],
    ['an expired token', () => sign(t.settings.JWT_SECRET, { expiresIn: -60 })],
    ['a token of another issuer', () => sign(t.settings.JWT_SECRET, { issuer: 'someone-else' })],
    ['a token for another audience', () => sign(t.settings.JWT_SECRET, { audience: 'other-api' })],
    ['a token without exp', () => jwt.sign(claims, t.settings.JWT_SECRET, { algorithm: 'HS256', issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE })],
    ['a token with an unknown role', () => jwt.sign({ ...claims, roles: ['root'] }, t.settings.JWT_SECRET, { issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE, expiresIn: 60 })],
  ])('refuses %s with 401 unauthenticated and audits the refusal as denied', async (_, token) => {
    const correlationId = `auth-${randomUUID()}`;
    const value = token();
    const req = http().post('/v1/tenants').set('X-Correlation-Id', correlationId).send({ id: 'evil', displayName: 'Evil', isolationMode: 'shared', quotas: {} });
    const res = await (value ? req.set('authorization', `Bearer ${value}`) : req);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toMatchObject({ code: 'unauthenticated', status: 401, instance: '/v1/tenants', correlationId });
    expect(await auditOf(correlationId)).toEqual([
      { actor: 'anonymous', actor_kind: 'anonymous', action: 'tenant.onboard', result: 'denied', status: 401, code: 'unauthenticated', tenant_id: null },
    ]);
    expect(Number((await t.ds.query(`SELECT count(*) AS n FROM tenancy.tenant_bindings WHERE id = 'evil'`))[0].n)).toBe(0);
  });

  it('audits a refused token on a read as well', async () => {
    const res = await http().get('/v1/jobs').set('authorization', `Bearer ${sign('another-secret-that-is-at-least-32-chars')}`).set('X-Correlation-Id', 'auth-read');
    expect(res.status).toBe(401);
    expect(await auditOf('auth-read')).toEqual([
      { actor: 'anonymous', actor_kind: 'anonymous', action: 'GET /v1/jobs', result: 'denied', status: 401, code: 'unauthenticated', tenant_id: null },
    ]);
  });

  it('refuses a valid token without the required role with 403 forbidden and audits it with the actor', async () => {
    const viewer = t.token({ tenantId: 'acme', roles: ['tenant:viewer'], sub: 'viewer@acme' });
    const res = await http()
      .post('/v1/tenants')
      .set('authorization', `Bearer ${viewer}`)
      .set('X-Correlation-Id', 'role-denied')
      .send({ id: 'sneaky', displayName: 'Sneaky', isolationMode: 'shared', quotas: {} });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden', status: 403 });
    expect(await auditOf('role-denied')).toEqual([
      { actor: 'viewer@acme', actor_kind: 'user', action: 'tenant.onboard', result: 'denied', status: 403, code: 'forbidden', tenant_id: 'acme' },
    ]);
  });

  it('lets an agent report for its own environment only: another environment is 403, and so is any other endpoint', async () => {
    // Environment ids are UUIDs (API.md), and an agent token's environment_id must be one.
    const [envA, envB] = [randomUUID(), randomUUID()];
    const agent = t.token({ tenantId: 'acme', roles: ['agent'], environmentId: envA, sub: 'agent-7' });
    const own = await http().put(`/v1/test-only/environments/${envA}/actual-state`).set('authorization', `Bearer ${agent}`).send({});
    expect(own.status).toBe(204);

    const other = await http().put(`/v1/test-only/environments/${envB}/actual-state`).set('authorization', `Bearer ${agent}`).set('X-Correlation-Id', 'agent-other-env').send({});
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'forbidden', detail: 'Agent credentials may only report for their own environment' });
    expect(await auditOf('agent-other-env')).toMatchObject([{ actor: 'agent-7', actor_kind: 'agent', result: 'denied', status: 403, code: 'forbidden' }]);

    const jobs = await http().get('/v1/jobs').set('authorization', `Bearer ${agent}`);
    expect(jobs.status).toBe(403);
    expect(jobs.body.code).toBe('forbidden');
  });

  it('refuses an agent token without the capability an endpoint needs, naming it; no capabilities claim holds none', async () => {
    const env = randomUUID();
    const narrow = t.token({ tenantId: 'acme', roles: ['agent'], environmentId: env, capabilities: ['report:health'] });
    const res = await http().put(`/v1/test-only/environments/${env}/actual-state`).set('authorization', `Bearer ${narrow}`).send({});
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('This needs the agent capability report:actual-state, which this token does not hold');
    const bare = jwt.sign({ roles: ['agent'], tenant_id: 'acme', environment_id: env }, t.settings.JWT_SECRET, { algorithm: 'HS256', issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE, expiresIn: 60, subject: 'agent-x' });
    expect((await http().put(`/v1/test-only/environments/${env}/actual-state`).set('authorization', `Bearer ${bare}`).send({})).status).toBe(403);
    const capable = t.token({ tenantId: 'acme', roles: ['agent'], environmentId: env, capabilities: ['report:actual-state'] });
    expect((await http().put(`/v1/test-only/environments/${env}/actual-state`).set('authorization', `Bearer ${capable}`).send({})).status).toBe(204);
  });

  it('refuses a token under the agent kid unless the control plane signed it for an agent key', async () => {
    const env = randomUUID();
    const forged = jwt.sign({ roles: ['agent'], tenant_id: 'acme', environment_id: env, key_id: randomUUID(), capabilities: ['report:actual-state'] }, t.settings.JWT_SECRET, {
      algorithm: 'HS256',
      keyid: 'rcp-agent-1',
      issuer: t.settings.JWT_ISSUER,
      audience: t.settings.JWT_AUDIENCE,
      expiresIn: 60,
      subject: 'agent-key:x',
    });
    const res = await http().put(`/v1/test-only/environments/${env}/actual-state`).set('authorization', `Bearer ${forged}`).send({});
    expect(res.status).toBe(401);
  });

  it('refuses a tenant token on another tenant\'s resource with 404, not 403', async () => {
    const admin = t.token({ roles: ['platform:admin'] });
    await http()
      .post('/v1/tenants')
      .set('authorization', `Bearer ${admin}`)
      .send({ id: 'globex', displayName: 'Globex', isolationMode: 'shared', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 } })
      .expect(201);
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    const res = await http().get('/v1/tenants/globex').set('authorization', `Bearer ${acme}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });

  describe('claims are checked by type, never coerced', () => {
    const signClaims = (payload: object, opts: jwt.SignOptions = {}) =>
      jwt.sign(payload, t.settings.JWT_SECRET, { algorithm: 'HS256', issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE, expiresIn: 300, ...opts });

    it('refuses a tenant_id given as an array with 401: it neither slips past the suspension gate nor lands in the audit log as {"susp"}', async () => {
      const admin = t.token({ roles: ['platform:admin'] });
      const quotas = { maxEnvironments: 5, maxServicesPerEnvironment: 5, maxReplicasPerService: 5, maxTotalReplicas: 25 };
      await http().post('/v1/tenants').set('authorization', `Bearer ${admin}`).send({ id: 'susp', displayName: 'Susp', isolationMode: 'pooled', quotas }).expect(201);
      await http().post('/v1/tenants/susp/suspend').set('authorization', `Bearer ${admin}`).send({ reason: 'unpaid invoice' }).expect(200);

      const arrayTenant = signClaims({ sub: 'mallory', roles: ['tenant:admin'], tenant_id: ['susp'] });
      const res = await http()
        .post('/v1/environments')
        .set('authorization', `Bearer ${arrayTenant}`)
        .set('X-Correlation-Id', 'claims-array-tenant')
        .send({ name: 'sneaky', projectId: 'web', type: 'staging', region: 'eu-west-1' });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'unauthenticated', detail: expect.stringContaining('tenant_id') });
      const audit = await auditOf('claims-array-tenant');
      expect(audit).toMatchObject([{ actor: 'anonymous', result: 'denied', status: 401 }]);
      expect(audit[0].tenant_id).not.toBe('{"susp"}');
      expect(Number((await t.ds.query(`SELECT count(*) AS n FROM inventory.environments WHERE name = 'sneaky'`))[0].n)).toBe(0);
    });

    it.each([
      ['project_ids of []', { project_ids: [] }],
      ['project_ids as a string', { project_ids: 'web' }],
      ['project_ids of [1]', { project_ids: [1] }],
      ['roles as a string', { roles: 'tenant:admin' }],
      ['sub as an array', { sub: ['mallory'] }],
      ['environment_id that is not a UUID', { roles: ['agent'], environment_id: 'env-a' }],
    ])('refuses %s with 401 instead of failing open', async (_, claims) => {
      const token = signClaims({ sub: 'mallory', roles: ['tenant:admin'], tenant_id: 'acme', ...claims });
      const res = await http().get('/v1/environments').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('refuses a token that lives longer than JWT_MAX_TTL_SECONDS (one day), with or without iat', async () => {
      const payload = { sub: 'ops', roles: ['platform:viewer'] };
      const longLived = signClaims(payload, { expiresIn: 2 * 86400 });
      const noIat = signClaims(payload, { expiresIn: 2 * 86400, noTimestamp: true });
      for (const token of [longLived, noIat]) {
        const res = await http().get('/v1/jobs').set('authorization', `Bearer ${token}`);
        expect(res.status).toBe(401);
        expect(res.body.detail).toContain('JWT_MAX_TTL_SECONDS');
      }
      expect((await http().get('/v1/jobs').set('authorization', `Bearer ${signClaims(payload, { expiresIn: 86400 })}`)).status).toBe(200);
    });
  });

  it('audits an authenticated request whose body is not JSON under its actor and tenant, not as anonymous', async () => {
    const acme = t.token({ tenantId: 'acme', roles: ['tenant:admin'], sub: 'admin@acme' });
    const res = await http()
      .post('/v1/environments')
      .set('authorization', `Bearer ${acme}`)
      .set('content-type', 'application/json')
      .set('X-Correlation-Id', 'bad-json-attributed')
      .send('{"name": "web-staging",');
    expect(res.status).toBe(400);
    expect(await auditOf('bad-json-attributed')).toEqual([
      { actor: 'admin@acme', actor_kind: 'user', action: 'POST /v1/environments', result: 'denied', status: 400, code: 'validation_failed', tenant_id: 'acme' },
    ]);
    // A forged token on the same broken body stays anonymous.
    await http()
      .post('/v1/environments')
      .set('authorization', `Bearer ${sign('another-secret-that-is-at-least-32-chars')}`)
      .set('content-type', 'application/json')
      .set('X-Correlation-Id', 'bad-json-forged')
      .send('{"name": "web-staging",');
    expect(await auditOf('bad-json-forged')).toMatchObject([{ actor: 'anonymous', actor_kind: 'anonymous', tenant_id: null }]);
  });

  it('does not tell Swagger UI to keep the bearer token in the browser (persistAuthorization off)', async () => {
    const init = await http().get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toMatch(/"persistAuthorization":\s*false/);
  });

  describe('row-level security in Postgres', () => {
    let db: Client;
    beforeAll(async () => {
      db = new Client({ connectionString: t.dbUrl });
      await db.connect();
      // As the superuser (who owns the tables and is not subject to their policies).
      await db.query(
        `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, action, target_type, result)
         VALUES ('t1', 'rls-probe', 'user', 'probe.write', 'probe', 'allowed'), ('t2', 'rls-probe', 'user', 'probe.write', 'probe', 'allowed')`,
      );
      await db.query(
        `INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts)
         VALUES (gen_random_uuid(), 't1', 'rls.probe', 'queued', 1), (gen_random_uuid(), 't2', 'rls.probe', 'queued', 1)`,
      );
    });
    afterAll(() => db.end());

    /** Runs `work` in a transaction as `role` (default: the application role) with the given settings, then rolls back. */
    const asApp = async <T>(settings: Record<string, string>, work: () => Promise<T>, role = 'rcp_app'): Promise<T> => {
      await db.query('BEGIN');
      try {
        await db.query(`SET LOCAL ROLE ${role}`);
        for (const [name, value] of Object.entries(settings)) await db.query(`SELECT set_config($1, $2, true)`, [name, value]);
        return await work();
      } finally {
        await db.query('ROLLBACK');
      }
    };
    const tenantsIn = async (sql: string) => (await db.query<{ tenant_id: string }>(sql)).rows.map((r) => r.tenant_id).sort();
    const AUDIT = `SELECT tenant_id FROM platform.audit_log WHERE actor = 'rls-probe'`;
    const JOBS = `SELECT tenant_id FROM platform.jobs WHERE name = 'rls.probe'`;

    it('shows a transaction scoped to tenant t1 only t1\'s audit rows and jobs', async () => {
      await asApp({ 'rcp.tenant_id': 't1' }, async () => {
        expect(await tenantsIn(AUDIT)).toEqual(['t1']);
        expect(await tenantsIn(JOBS)).toEqual(['t1']);
      });
      await asApp({ 'rcp.tenant_id': 't2' }, async () => expect(await tenantsIn(JOBS)).toEqual(['t2']));
    });

    it('shows nothing when no tenant is set, and everything to the platform role only', async () => {
      await asApp({}, async () => {
        expect(await tenantsIn(AUDIT)).toEqual([]);
        expect(await tenantsIn(JOBS)).toEqual([]);
      });
      // The setting that once meant platform scope grants the application role nothing.
      await asApp({ 'rcp.platform': 'on', 'rcp.tenant_id': 't1' }, async () => expect(await tenantsIn(JOBS)).toEqual(['t1']));
      await asApp({}, async () => expect(await tenantsIn(JOBS)).toEqual(['t1', 't2']), 'rcp_platform');
    });

    it('refuses to write another tenant\'s job and to change or delete audit rows', async () => {
      await asApp({ 'rcp.tenant_id': 't1' }, async () => {
        await expect(db.query(`INSERT INTO platform.jobs (id, tenant_id, name, state, max_attempts) VALUES (gen_random_uuid(), 't2', 'rls.probe', 'queued', 1)`)).rejects.toThrow(
          /row-level security/,
        );
      });
      await asApp(
        {},
        async () => {
          await expect(db.query(`DELETE FROM platform.audit_log WHERE actor = 'rls-probe'`)).rejects.toThrow(/permission denied/);
        },
        'rcp_platform',
      );
    });

    it('holds through the API: a tenant admin lists only its tenant\'s audit rows and jobs', async () => {
      const t1 = t.token({ tenantId: 't1', roles: ['tenant:admin'] });
      const audit = await http().get('/v1/audit-log?actor=rls-probe').set('authorization', `Bearer ${t1}`);
      expect(audit.body.items.map((e: { tenantId: string }) => e.tenantId)).toEqual(['t1']);
      const jobs = await http().get('/v1/jobs?limit=200').set('authorization', `Bearer ${t1}`);
      expect(jobs.body.items.map((j: { tenantId: string }) => j.tenantId)).toEqual(['t1']);
      const platform = await http().get('/v1/audit-log?actor=rls-probe').set('authorization', `Bearer ${t.token({ roles: ['platform:viewer'] })}`);
      expect(platform.body.items.map((e: { tenantId: string }) => e.tenantId).sort()).toEqual(['t1', 't2']);
    });
  });

  describe('npm run token', () => {
    const runTokenCli = (...args: string[]) =>
      spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/token.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, JWT_SECRET: t.settings.JWT_SECRET, JWT_ISSUER: t.settings.JWT_ISSUER, JWT_AUDIENCE: t.settings.JWT_AUDIENCE },
      });

    it('prints only a token that the API accepts, with the asked tenant, roles, subject and lifetime', async () => {
      const out = runTokenCli('--tenant', 'acme', '--role', 'tenant:admin', '--sub', 'cli@acme', '--ttl', '30m');
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      const token = out.stdout.trim();
      expect(out.stdout).toBe(`${token}\n`);
      const decoded = jwt.decode(token) as Record<string, unknown>;
      expect(decoded).toMatchObject({ tenant_id: 'acme', roles: ['tenant:admin'], sub: 'cli@acme', iss: 'rcp', aud: 'rcp-api' });
      expect((decoded.exp as number) - (decoded.iat as number)).toBe(1800);
      const res = await http().get('/v1/audit-log').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
    });

    it('names the environment in the sub of an agent token minted without --sub, so its reports are attributed to it', async () => {
      const envId = randomUUID();
      const out = runTokenCli('--tenant', 'acme', '--role', 'agent', '--env', envId);
      expect(out.status).toBe(0);
      const token = out.stdout.trim();
      expect(jwt.decode(token)).toMatchObject({ sub: `agent:${envId}`, roles: ['agent'], environment_id: envId });
      const res = await http().put(`/v1/test-only/environments/${randomUUID()}/actual-state`).set('authorization', `Bearer ${token}`).set('X-Correlation-Id', 'agent-sub').send({});
      expect(res.status).toBe(403);
      expect(await auditOf('agent-sub')).toMatchObject([{ actor: `agent:${envId}`, actor_kind: 'agent', tenant_id: 'acme' }]);
    });

    it('refuses a --ttl longer than JWT_MAX_TTL_SECONDS', () => {
      const out = runTokenCli('--role', 'platform:admin', '--ttl', '2d');
      expect(out.status).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain('JWT_MAX_TTL_SECONDS');
    });

    it('refuses an unknown role with a clear message and a non-zero exit', () => {
      const out = runTokenCli('--tenant', 'acme', '--role', 'tenant:owner');
      expect(out.status).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain('unknown role tenant:owner');
    });
  });
});

describe('RS256 tokens through JWT_JWKS_URI (e2e)', () => {
  let jwks: Server;
  let t: App;
  let privateKey: KeyObject;
  let jwksRequests = 0;
  const KID = 'rcp-test-key-1';
  const COOLDOWN_SECONDS = 1;
  const published: object[] = [];

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    published.push({ ...pair.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' });
    jwks = createServer((req, res) => {
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    t = await startTestApp({ RCP_ROLE: 'api', JWT_JWKS_URI: `http://127.0.0.1:${port}/jwks.json`, JWT_JWKS_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const rs256 = (key: KeyObject, kid: string, payload: object = { roles: ['platform:viewer'] }) =>
    jwt.sign(payload, key, { algorithm: 'RS256', keyid: kid, issuer: t.settings.JWT_ISSUER, audience: t.settings.JWT_AUDIENCE, subject: 'sso-user', expiresIn: 300 });
  const call = (token: string) => t.http().get('/v1/jobs').set('authorization', `Bearer ${token}`);

  it('accepts an RS256 token signed by a key of the JWKS (matched by kid), fetching the key set once', async () => {
    // Counted from here: another test may have fetched (and cached) the key set already.
    const before = jwksRequests;
    expect((await call(rs256(privateKey, KID))).status).toBe(200);
    expect((await call(rs256(privateKey, KID, { roles: ['tenant:admin'], tenant_id: 'acme' }))).status).toBe(200);
    expect(jwksRequests - before).toBe(before === 0 ? 1 : 0);
  });

  it('accepts an agent token the control plane signed for an agent key (its own HS256 key), and refuses it once the key is revoked', async () => {
    const [enrollmentId, keyId, env] = [randomUUID(), randomUUID(), randomUUID()];
    await t.asOwner(
      `INSERT INTO access.agent_enrollments (id, tenant_id, project_id, environment_id, lookup, secret_hash, capabilities, expires_at, created_by, created_at, redeemed_at, agent_key_id)
       VALUES ($1, 'acme', 'web', $3, $4, 'ff', '{report:health}', now(), 'admin@acme', now(), now(), $2)`,
      [enrollmentId, keyId, env, randomUUID().replace(/-/g, '').slice(0, 16)],
    );
    await t.asOwner(
      `INSERT INTO access.agent_keys (id, tenant_id, project_id, environment_id, prefix, lookup, secret_hash, capabilities, enrollment_id, created_by, created_at, version)
       VALUES ($1, 'acme', 'web', $2, 'rcpak_x', $3, 'ff', '{report:health}', $4, 'admin@acme', now(), 1)`,
      [keyId, env, randomUUID().replace(/-/g, '').slice(0, 16), enrollmentId],
    );
    const { token } = t.app.get(AgentTokenKeys).sign({ keyId, tenantId: 'acme', projectId: 'web', environmentId: env, capabilities: ['report:health'] });
    const res = await call(token);
    expect(res.status).toBe(403); // authenticated as the agent; the jobs are not an agent's to read
    expect(res.body.detail).toMatch(/roles/);
    await t.asOwner(`UPDATE access.agent_keys SET revoked_at = now(), revoked_by = 'admin@acme' WHERE id = $1`, [keyId]);
    t.app.get(AgentKeyStatus).forget(keyId);
    expect((await call(token)).status).toBe(401);
  });

  it('refuses an HS256 token, even one signed with JWT_SECRET', async () => {
    const res = await call(t.token({ roles: ['platform:viewer'] }));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
  });

  it('refuses an RS256 token signed by a key that is not in the JWKS, under a known or an unknown kid', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await call(rs256(stranger, KID))).status).toBe(401);
    expect((await call(rs256(stranger, 'unknown-kid'))).status).toBe(401);
  });

  it('keeps accepting a newly rotated key during a flood of unknown kids, with at most one JWKS fetch per cooldown', async () => {
    await new Promise((r) => setTimeout(r, COOLDOWN_SECONDS * 1000));
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const before = jwksRequests;
    const started = Date.now();
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => call(rs256(stranger, `bogus-${i}-${randomUUID()}`))));
    expect(flood.map((r) => r.status)).toEqual(Array(40).fill(401));
    const elapsedCooldowns = Math.ceil((Date.now() - started) / (COOLDOWN_SECONDS * 1000));
    expect(jwksRequests - before).toBeLessThanOrEqual(elapsedCooldowns + 1);
    // A repeated bogus kid is answered from the negative cache, without another fetch.
    const repeated = rs256(stranger, 'bogus-repeat');
    expect((await call(repeated)).status).toBe(401);
    const afterRepeatFetch = jwksRequests;
    expect((await call(repeated)).status).toBe(401);
    expect(jwksRequests).toBe(afterRepeatFetch);

    // The identity provider rotates: a new key appears in the JWKS while the flood goes on.
    const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
    published.push({ ...rotated.publicKey.export({ format: 'jwk' }), kid: 'rcp-test-key-2', alg: 'RS256', use: 'sig' });
    const moreFlood = Promise.all(Array.from({ length: 20 }, () => call(rs256(stranger, `bogus-${randomUUID()}`))));
    const res = await call(rs256(rotated.privateKey, 'rcp-test-key-2'));
    expect(res.status).toBe(200);
    await moreFlood;
  });

  it('verifies a remembered token again once its key has left the JWKS, and refuses it', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'rcp-test-key-leaving';
    published.push({ ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
    await new Promise((r) => setTimeout(r, COOLDOWN_SECONDS * 1000 + 100));
    const token = rs256(pair.privateKey, kid);
    expect((await call(token)).status).toBe(200);
    expect((await call(token)).status).toBe(200); // remembered: not verified again
    // The identity provider drops the key; an unknown kid makes the app read the key set again.
    published.splice(published.findIndex((k) => (k as { kid?: string }).kid === kid), 1);
    await new Promise((r) => setTimeout(r, COOLDOWN_SECONDS * 1000 + 100));
    expect((await call(rs256(pair.privateKey, 'rcp-test-key-unknown'))).status).toBe(401);
    const refused = await call(token);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthenticated');
  });
});
