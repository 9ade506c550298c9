import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import { Audited, Authorize } from '@rcp/auth';
import { eventually, givenTenant, GivenTenant, platformTokens, startTestApp, TEST_REDIS_URL, uniqueId } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };
const tenantBody = (id: string) => ({ id, displayName: `Tenant ${id}`, isolationMode: 'pooled', quotas });

class FlakyRequest {
  @IsString() name: string;
}

class FlakyResponse {
  @ApiProperty() name: string;
  @ApiProperty({ type: 'integer' }) run: number;
}

/**
 * Test-only: a mutation that fails with a 500 as often as told, then succeeds, counting how often it
 * really ran. No real endpoint can be made to fail on the server's side on demand.
 */
@Controller('v1/test-only/flaky-commands')
class FlakyCommandsController {
  static runs = 0;
  static failuresLeft = 0;

  @Post()
  @HttpCode(200)
  @Authorize(['platform:admin'])
  @Audited('test.flaky', 'test')
  @ApiOkResponse({ type: FlakyResponse, description: 'The command ran' })
  run(@Body() body: FlakyRequest): FlakyResponse {
    FlakyCommandsController.runs++;
    if (FlakyCommandsController.failuresLeft-- > 0) throw new Error('simulated crash of the command');
    return { name: body.name, run: FlakyCommandsController.runs };
  }
}

@Module({ controllers: [FlakyCommandsController] })
class FlakyCommandsModule {}

describe('API conventions (e2e)', () => {
  let t: App;
  let admin: string;
  const http = () => t.http();
  const asAdmin = (token = admin) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { extraModules: [FlakyCommandsModule] });
    admin = platformTokens(t).admin;
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await t.ds.query(sql, params))[0].n);
  /** The id of a tenant of the test's own (onboarded with this file's quotas). */
  const tenant = async () => (await givenTenant(t, { quotas })).id;
  /** Onboards a new tenant with an Idempotency-Key: the first use of that key. */
  const onboardWithKey = (id: string, key: string, token = admin) => http().post('/v1/tenants').set(asAdmin(token)).set('Idempotency-Key', key).send(tenantBody(id));

  describe('Idempotency-Key', () => {
    it('replays the first 201 with its exact body, Location and ETag, marked Idempotency-Replayed, without running the command again', async () => {
      const id = uniqueId('acme');
      const first = await onboardWithKey(id, `onboard-${id}`);
      expect(first.status).toBe(201);
      expect(first.headers['idempotency-replayed']).toBeUndefined();

      // The same request again, with its JSON keys in another order: the same request.
      const { quotas: q, ...rest } = tenantBody(id);
      const again = await http().post('/v1/tenants').set(asAdmin()).set('Idempotency-Key', `onboard-${id}`).send({ quotas: q, ...rest });
      expect(again.status).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.text).toBe(first.text);
      expect(again.headers.location).toBe(`/v1/tenants/${id}`);
      expect(again.headers.etag).toBe('"1"');
      expect(again.headers['content-type']).toMatch(/^application\/json/);

      expect(await count(`SELECT count(*) AS n FROM tenancy.tenant_bindings WHERE id = $1`, [id])).toBe(1);
      expect(await count(`SELECT count(*) AS n FROM platform.audit_log WHERE action = 'tenant.onboard' AND target_id = $1`, [id])).toBe(1);
      // One statement, one snapshot: the relay may move the event from the outbox to the log meanwhile.
      const events = await count(
        `SELECT (SELECT count(*) FROM platform.outbox_events WHERE aggregate_id = $1) + (SELECT count(*) FROM platform.event_log WHERE aggregate_id = $1) AS n`,
        [id],
      );
      expect(events).toBe(1);
    });

    it('refuses the same key with another body or on another path: 422 idempotency_key_reused, and runs nothing', async () => {
      const id = uniqueId('acme');
      await onboardWithKey(id, `onboard-${id}`).expect(201);
      const otherBody = await onboardWithKey(`${id}-2`, `onboard-${id}`);
      expect(otherBody.status).toBe(422);
      expect(otherBody.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(otherBody.body).toMatchObject({ code: 'idempotency_key_reused', status: 422, instance: '/v1/tenants' });

      const otherPath = await http().patch(`/v1/tenants/${id}`).set(asAdmin()).set('Idempotency-Key', `onboard-${id}`).send(tenantBody(id));
      expect(otherPath.status).toBe(422);
      expect(await count(`SELECT count(*) AS n FROM tenancy.tenant_bindings WHERE id = $1`, [`${id}-2`])).toBe(0);
    });

    it('scopes keys to the actor: another subject may use the same key for its own request', async () => {
      const key = `onboard-${uniqueId('acme')}`;
      await onboardWithKey(uniqueId('acme'), key).expect(201);
      const colleague = t.token({ roles: ['platform:admin'], sub: 'colleague@platform' });
      const beta = uniqueId('beta');
      const res = await onboardWithKey(beta, key, colleague);
      expect(res.status).toBe(201);
      expect(res.headers['idempotency-replayed']).toBeUndefined();
      expect(res.body.id).toBe(beta);
    });

    it('keeps a 4xx outcome: the replay is the same problem document and leaves no second denied audit row', async () => {
      const id = await tenant();
      const first = await onboardWithKey(id, `onboard-${id}-twice`);
      expect(first.status).toBe(409);
      expect(first.body.code).toBe('precondition_failed');
      const denied = () => count(`SELECT count(*) AS n FROM platform.audit_log WHERE target_id = $1 AND result = 'denied' AND code = 'precondition_failed'`, [id]);
      expect(await denied()).toBe(1);

      const again = await onboardWithKey(id, `onboard-${id}-twice`);
      expect(again.status).toBe(409);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(again.text).toBe(first.text);
      expect(await denied()).toBe(1);
    });

    it.each([
      ['an empty key', ''],
      ['a key of 256 characters', 'k'.repeat(256)],
    ])('refuses %s with 400 validation_failed naming the header', async (_, key) => {
      const id = uniqueId('gamma');
      const res = await onboardWithKey(id, key);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'Idempotency-Key' }] });
      expect(await count(`SELECT count(*) AS n FROM tenancy.tenant_bindings WHERE id = $1`, [id])).toBe(0);
    });

    it('accepts a key of exactly 255 characters', async () => {
      const res = await onboardWithKey(uniqueId('gamma'), 'k'.repeat(255));
      expect(res.status).toBe(201);
    });

    it('answers 409 idempotency_in_progress while the first request with the key still runs, then replays its single outcome', async () => {
      const beta = await tenant();
      const key = `rename-${beta}`;
      // Hold the tenant's row so the first PATCH is stuck inside its command, after it claimed the key.
      const lock = new Client({ connectionString: t.dbUrl });
      await lock.connect();
      try {
        await lock.query('BEGIN');
        await lock.query(`SELECT 1 FROM tenancy.tenant_bindings WHERE id = $1 FOR UPDATE`, [beta]);
        const patch = () => http().patch(`/v1/tenants/${beta}`).set(asAdmin()).set('Idempotency-Key', key).send({ displayName: 'Beta Renamed' });
        const first = patch().then((r) => r);
        await eventually(async () => (await t.ds.query(`SELECT state FROM platform.idempotency_keys WHERE key = $1`, [key]))[0]?.state === 'in_progress');

        const second = await patch();
        expect(second.status).toBe(409);
        expect(second.body).toMatchObject({ code: 'idempotency_in_progress', status: 409 });
        expect(second.headers['retry-after']).toBe('1');

        await lock.query('COMMIT');
        const done = await first;
        expect(done.status).toBe(200);
        expect(done.body).toMatchObject({ displayName: 'Beta Renamed', version: 2 });

        const third = await patch();
        expect(third.status).toBe(200);
        expect(third.headers['idempotency-replayed']).toBe('true');
        expect(third.text).toBe(done.text);
        expect(third.headers.etag).toBe('"2"');
      } finally {
        await lock.end();
      }
      const [binding] = await t.ds.query(`SELECT version, display_name FROM tenancy.tenant_bindings WHERE id = $1`, [beta]);
      expect(binding).toEqual({ version: 2, display_name: 'Beta Renamed' });
      expect(await count(`SELECT count(*) AS n FROM platform.audit_log WHERE action = 'tenant.update' AND target_id = $1 AND result = 'allowed'`, [beta])).toBe(1);
    });

    it('forgets the claim when the request fails with a 5xx, so the same key can be retried, and then replays the success', async () => {
      FlakyCommandsController.runs = 0;
      FlakyCommandsController.failuresLeft = 1;
      const send = () => http().post('/v1/test-only/flaky-commands').set(asAdmin()).set('Idempotency-Key', 'flaky-1').send({ name: 'x' });
      const crashed = await send();
      expect(crashed.status).toBe(500);
      expect(crashed.body.code).toBe('internal');
      expect(await count(`SELECT count(*) AS n FROM platform.idempotency_keys WHERE key = 'flaky-1'`)).toBe(0);

      const retried = await send();
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual({ name: 'x', run: 2 });
      const replayed = await send();
      expect(replayed.headers['idempotency-replayed']).toBe('true');
      expect(replayed.body).toEqual({ name: 'x', run: 2 });
      expect(FlakyCommandsController.runs).toBe(2);
    });

    it('remembers a key for IDEMPOTENCY_TTL_HOURS (24 h by default) and runs the request afresh once it expired', async () => {
      const id = uniqueId('acme');
      const key = `onboard-${id}`;
      await onboardWithKey(id, key).expect(201);
      const [row] = await t.ds.query(
        `SELECT state, status_code, EXTRACT(EPOCH FROM expires_at - created_at)::int AS ttl FROM platform.idempotency_keys WHERE key = $1 AND scope = 'platform:ops@platform'`,
        [key],
      );
      expect(row).toEqual({ state: 'completed', status_code: 201, ttl: 24 * 3600 });

      await t.ds.query(`UPDATE platform.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1 AND scope = 'platform:ops@platform'`, [key]);
      const res = await onboardWithKey(id, key);
      expect(res.headers['idempotency-replayed']).toBeUndefined();
      expect(res.status).toBe(409); // really ran: acme exists by now
      expect(res.body.code).toBe('precondition_failed');
    });

    it('ignores Idempotency-Key on reads', async () => {
      const res = await http().get(`/v1/tenants/${await tenant()}`).set(asAdmin()).set('Idempotency-Key', '');
      expect(res.status).toBe(200);
    });
  });

  describe('If-Match', () => {
    it('applies a change with a current If-Match and refuses a stale one with 412 version_conflict', async () => {
      const gamma = await tenant();
      const current = await http().get(`/v1/tenants/${gamma}`).set(asAdmin());
      expect(current.headers.etag).toBe('"1"');
      const ok = await http().patch(`/v1/tenants/${gamma}`).set(asAdmin()).set('If-Match', current.headers.etag).send({ displayName: 'Gamma 2' });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).toBe('"2"');

      const stale = await http().patch(`/v1/tenants/${gamma}`).set(asAdmin()).set('If-Match', '"1"').send({ displayName: 'Gamma 3' });
      expect(stale.status).toBe(412);
      expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(stale.body).toMatchObject({ code: 'version_conflict', status: 412 });
      expect((await http().get(`/v1/tenants/${gamma}`).set(asAdmin())).body).toMatchObject({ displayName: 'Gamma 2', version: 2 });
    });

    it('refuses an If-Match that is not an ETag with 400', async () => {
      const res = await http().patch(`/v1/tenants/${await tenant()}`).set(asAdmin()).set('If-Match', 'version-2').send({ displayName: 'Gamma 3' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'If-Match' }] });
    });
  });

  describe('requests the API refuses before any command runs', () => {
    it('refuses an unknown body field with 400 validation_failed listing it in errors[]', async () => {
      const res = await http().post('/v1/tenants').set(asAdmin()).send({ ...tenantBody('delta'), plan: 'gold', quotas: { ...quotas, cpu: 4 } });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'plan', message: 'is not a known field' },
          { field: 'quotas.cpu', message: 'is not a known field' },
        ]),
      );
    });

    it('refuses a body over 1 MiB with 413', async () => {
      const res = await http()
        .post('/v1/tenants')
        .set(asAdmin())
        .set('content-type', 'application/json')
        .send(JSON.stringify({ ...tenantBody('huge'), displayName: 'x'.repeat(1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'payload_too_large', status: 413 });
    });

    it('refuses malformed JSON with a 400 problem', async () => {
      const res = await http().post('/v1/tenants').set(asAdmin()).set('content-type', 'application/json').send('{"id": "epsilon",');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'validation_failed', status: 400, instance: '/v1/tenants' });
    });

    it('answers an unknown route with a 404 problem', async () => {
      const res = await http().get('/v1/no-such-thing').set(asAdmin());
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'not_found', status: 404, instance: '/v1/no-such-thing' });
    });
  });

  describe('correlation and trace context', () => {
    it('echoes X-Correlation-Id and traceparent and carries them into the audit row and the problem document', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await http()
        .patch(`/v1/tenants/${await tenant()}`)
        .set(asAdmin())
        .set('X-Correlation-Id', 'corr-echo-1')
        .set('traceparent', traceparent)
        .send({ displayName: 'Gamma traced' });
      expect(res.status).toBe(200);
      expect(res.headers['x-correlation-id']).toBe('corr-echo-1');
      expect(res.headers.traceparent).toBe(traceparent);
      const [row] = await t.ds.query(`SELECT action, result, trace_id FROM platform.audit_log WHERE correlation_id = 'corr-echo-1'`);
      expect(row).toEqual({ action: 'tenant.update', result: 'allowed', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });

      const refused = await http().get('/v1/tenants/nobody').set(asAdmin()).set('X-Correlation-Id', 'corr-echo-2').set('traceparent', traceparent);
      expect(refused.status).toBe(404);
      expect(refused.body).toMatchObject({ correlationId: 'corr-echo-2', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    });

    it('generates a correlation id and a new trace when none (or a malformed one) is sent', async () => {
      const acme = await tenant();
      const res = await http().get(`/v1/tenants/${acme}`).set(asAdmin()).set('traceparent', 'not-a-traceparent');
      expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const other = await http().get(`/v1/tenants/${acme}`).set(asAdmin());
      expect(other.headers['x-correlation-id']).not.toBe(res.headers['x-correlation-id']);
    });
  });

  describe('GET /v1/audit-log', () => {
    const list = (query: string, token = admin) => http().get(`/v1/audit-log${query}`).set(asAdmin(token));
    let acme: GivenTenant;

    // What these tests read (they change nothing): two tenants onboarded, the tenant admin's refused
    // onboarding and rename, a viewer's refused suspension of acme and the operator's suspension of it.
    beforeAll(async () => {
      acme = await givenTenant(t, { quotas });
      await givenTenant(t, { quotas });
      await http().post('/v1/tenants').set(asAdmin(acme.admin)).send(tenantBody(uniqueId('acme-clone'))).expect(403);
      await http().patch(`/v1/tenants/${acme.id}`).set(asAdmin(acme.admin)).send({ displayName: 'Mine' }).expect(403);
      await http().post(`/v1/tenants/${acme.id}/suspend`).set(asAdmin(platformTokens(t).viewer)).set('X-Correlation-Id', 'audit-denied').send({}).expect(403);
      await http().post(`/v1/tenants/${acme.id}/suspend`).set(asAdmin()).set('X-Correlation-Id', 'audit-allowed').send({ reason: 'unpaid invoice' }).expect(200);
    });

    it('lists allowed and denied mutations, newest first, with who, what, result and correlation', async () => {

      const res = await list('?action=tenant.suspend');
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.items).toHaveLength(2);
      const [allowed, denied] = res.body.items;
      expect(allowed).toMatchObject({
        actor: 'ops@platform',
        actorKind: 'user',
        roles: ['platform:admin'],
        action: 'tenant.suspend',
        targetType: 'tenant',
        targetId: acme.id,
        tenantId: acme.id,
        result: 'allowed',
        status: null,
        code: null,
        correlationId: 'audit-allowed',
      });
      expect(allowed.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(denied).toMatchObject({ actor: 'viewer@platform', action: 'tenant.suspend', result: 'denied', status: 403, code: 'forbidden', correlationId: 'audit-denied' });
      expect(Number(allowed.id)).toBeGreaterThan(Number(denied.id));
    });

    it('filters by actor, action prefix, result and time range', async () => {
      const byActor = await list('?actor=viewer%40platform');
      expect(byActor.body.items.map((e: { actor: string }) => e.actor)).toEqual(['viewer@platform']);

      const prefix = await list('?action=tenant.*&limit=200');
      expect(prefix.body.items.length).toBeGreaterThanOrEqual(6);
      expect(prefix.body.items.every((e: { action: string }) => e.action.startsWith('tenant.'))).toBe(true);

      const denied = await list('?result=denied&limit=200');
      expect(denied.body.items.length).toBeGreaterThan(0);
      expect(denied.body.items.every((e: { result: string }) => e.result === 'denied')).toBe(true);

      const future = await list(`?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
      expect(future.body.items).toEqual([]);
      const past = await list(`?to=2000-01-01T00:00:00Z`);
      expect(past.body.items).toEqual([]);
      const now = await list(`?from=2000-01-01T00:00:00%2B01:00&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&action=tenant.suspend`);
      expect(now.body.items).toHaveLength(2);
    });

    it('pages with limit and cursor without gaps or repeats', async () => {
      const all = (await list('?limit=200')).body.items.map((e: { id: string }) => e.id);
      expect(all.length).toBeGreaterThan(5);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((e: { id: string }) => e.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
    });

    it('shows a tenant admin only its own tenant\'s entries, and platform operators\' addresses to platform roles only', async () => {
      const res = await list('?limit=200', acme.admin);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(new Set(res.body.items.map((e: { tenantId: string }) => e.tenantId))).toEqual(new Set([acme.id]));

      type Entry = { actor: string; action: string; ip: string | null };
      const own = res.body.items.find((e: Entry) => e.actor === `admin@${acme.id}`);
      expect(own.ip).toMatch(/127\.0\.0\.1/);
      const byOperator = res.body.items.find((e: Entry) => e.actor === 'ops@platform' && e.action === 'tenant.suspend');
      expect(byOperator.ip).toBeNull();
      const asPlatform = (await list('?action=tenant.suspend&actor=ops%40platform')).body.items[0];
      expect(asPlatform.ip).toMatch(/127\.0\.0\.1/);
    });

    it.each([
      ['a tenant viewer', { tenantId: 'acme', roles: ['tenant:viewer' as const] }],
      ['a tenant deployer', { tenantId: 'acme', roles: ['tenant:deployer' as const] }],
    ])('refuses %s with 403', async (_, spec) => {
      const res = await list('', t.token(spec));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    });

    it.each([
      ['a from that is not RFC 3339', '?from=yesterday', 'from'],
      ['a to without a time zone', '?to=2025-01-01T00:00:00', 'to'],
      ['an unknown result', '?result=maybe', 'result'],
      ['a forged cursor', '?cursor=eyJpZCI6Im5vcGUifQ', 'cursor'],
      ['a cursor with a key it does not issue', `?cursor=${Buffer.from(JSON.stringify({ id: 5, tenantId: 'globex' })).toString('base64url')}`, 'cursor'],
      ['a cursor beyond any position', `?cursor=${Buffer.from(JSON.stringify({ id: '99999999999999999999' })).toString('base64url')}`, 'cursor'],
      ['a cursor that is not JSON', '?cursor=bm90IGpzb24', 'cursor'],
      ['a limit over 200', '?limit=500', 'limit'],
    ])('refuses %s with 400', async (_, query, field) => {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });
});

describe('rate limits (e2e)', () => {
  // The test client is the proxy on loopback that tells the app which client IP it forwards for.
  const LIMITS = { RCP_ROLE: 'api', RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_IP_PER_MINUTE: '8', TRUST_PROXY: 'loopback' };
  let a: App;
  let b: App;

  beforeAll(async () => {
    a = await startTestApp(LIMITS);
    b = await startTestApp(LIMITS, { url: a.dbUrl, prefix: a.redisPrefix }); // a second replica on the same Postgres and Redis
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const get = (app: App, path: string, ip: string, token?: string) => {
    const req = app.http().get(path).set('X-Forwarded-For', ip);
    return token ? req.set('authorization', `Bearer ${token}`) : req;
  };

  it('limits each token subject to RATE_LIMIT_PER_MINUTE and answers 429 rate_limited with Retry-After', async () => {
    const token = a.token({ roles: ['platform:viewer'], sub: 'busy@platform' });
    for (let i = 0; i < 5; i++) expect((await get(a, '/v1/jobs', '10.0.0.1', token)).status).toBe(200);
    const refused = await get(a, '/v1/jobs', '10.0.0.1', token);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429, instance: '/v1/jobs' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Another subject, from the same address (still under the IP limit), is not affected.
    const other = a.token({ roles: ['platform:viewer'], sub: 'calm@platform' });
    expect((await get(a, '/v1/jobs', '10.0.0.1', other)).status).toBe(200);
  });

  it('limits each client address to RATE_LIMIT_IP_PER_MINUTE whoever calls, before the token is even looked at', async () => {
    for (let i = 0; i < 8; i++) {
      const token = a.token({ roles: ['platform:viewer'], sub: `crowd-${i}@platform` });
      expect((await get(a, '/v1/jobs', '10.0.0.2', token)).status).toBe(200);
    }
    const fresh = a.token({ roles: ['platform:viewer'], sub: 'fresh@platform' });
    const refused = await get(a, '/v1/jobs', '10.0.0.2', fresh);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');

    // Anonymous callers are limited too: past the limit they get 429, not 401.
    for (let i = 0; i < 8; i++) expect((await get(a, '/v1/jobs', '10.0.0.3')).status).toBe(401);
    expect((await get(a, '/v1/jobs', '10.0.0.3')).status).toBe(429);
    for (let i = 0; i < 8; i++) expect((await get(a, '/version', '10.0.0.4')).status).toBe(200);
    expect((await get(a, '/version', '10.0.0.4')).status).toBe(429);
  });

  it('never limits /healthz, /readyz, /metrics and /docs', async () => {
    for (let i = 0; i < 12; i++) {
      for (const path of ['/healthz', '/readyz', '/metrics', '/docs-json']) {
        const res = await get(a, path, '10.0.0.5');
        expect([path, res.status]).toEqual([path, path === '/readyz' ? expect.any(Number) : 200]);
        expect(res.status).not.toBe(429);
      }
    }
  });

  it('counts both limits of a request in one Redis round trip once the token is known to the process', async () => {
    const token = a.token({ roles: ['platform:viewer'], sub: 'one-trip@platform' });
    expect((await get(a, '/v1/jobs', '10.0.2.1', token)).status).toBe(200); // first call: the token is verified, then counted
    const monitor = await new Redis(TEST_REDIS_URL).monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: unknown[]) => {
      // The commands the app sends (a script's own INCR and PTTL are listed too: left out).
      const words = args.map(String);
      if (/^eval/i.test(words[0]) && words.some((w) => w.startsWith(`${a.redisPrefix}:ratelimit:`))) commands.push(words);
    });
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) expect((await get(a, '/v1/jobs', '10.0.2.1', token)).status).toBe(200);
      await eventually(async () => commands.length >= 3);
      await new Promise((r) => setTimeout(r, 200));
      expect(commands).toHaveLength(3); // one command per request, no second one after authentication
      for (const words of commands) {
        const keys = words.filter((w) => w.startsWith(`${a.redisPrefix}:ratelimit:`));
        expect(keys.map((k) => k.split(':').slice(-2, -1)[0])).toEqual(['ip', 'token']);
      }
    } finally {
      monitor.disconnect();
    }
    // And the per-token budget is the same as when counted on its own: the 5th call of the minute passes, the 6th is refused.
    expect((await get(a, '/v1/jobs', '10.0.2.1', token)).status).toBe(200);
    expect((await get(a, '/v1/jobs', '10.0.2.1', token)).status).toBe(429);
  });

  it('counts across replicas: the budget is kept in Redis under REDIS_PREFIX', async () => {
    const token = a.token({ roles: ['platform:viewer'], sub: 'roaming@platform' });
    for (let i = 0; i < 3; i++) expect((await get(a, '/v1/jobs', '10.0.1.1', token)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await get(b, '/v1/jobs', '10.0.1.2', token)).status).toBe(200);
    expect((await get(b, '/v1/jobs', '10.0.1.2', token)).status).toBe(429);

    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${a.redisPrefix}:ratelimit:*`);
      expect(keys.some((k) => k.startsWith(`${a.redisPrefix}:ratelimit:token:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${a.redisPrefix}:ratelimit:ip:`))).toBe(true);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  });
});

describe('rate limits without Redis (e2e)', () => {
  it('lets requests through (fails open) instead of failing them when Redis is unreachable', async () => {
    const down = await startTestApp({ RCP_ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:6390', RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_IP_PER_MINUTE: '2' });
    try {
      const token = down.token({ roles: ['platform:viewer'] });
      for (let i = 0; i < 6; i++) {
        const res = await down.http().get('/v1/jobs').set('authorization', `Bearer ${token}`);
        expect(res.status).toBe(200);
      }
    } finally {
      await down.close();
    }
  });
});
