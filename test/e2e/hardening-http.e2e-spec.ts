import { Controller, Get, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { AddressInfo, connect, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { Public } from '@rcp/auth';
import { findOpenApiDrift } from '@rcp/http';
import { startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };
const tenantBody = (id: string) => ({ id, displayName: `Tenant ${id}`, isolationMode: 'pooled', quotas });

/** Test-only: a public endpoint whose SQL fails, carrying a parameter that must never reach a log line. */
@ApiExcludeController()
@Controller('v1/test-only/failing-query')
class FailingQueryController {
  constructor(private readonly ds: DataSource) {}

  @Get()
  @Public()
  fail(): Promise<unknown> {
    return this.ds.query('SELECT $1::text AS leaked, 1 / 0 AS boom', ['parameter-that-must-not-be-logged']);
  }
}

@Module({ controllers: [FailingQueryController] })
class FailingQueryModule {}

/** The server's log lines, as written. */
class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** A raw HTTP/1.1 connection, so a test can send a request as slowly or as incompletely as an attacker would. */
async function openSocket(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  return { socket, received: () => data, closed };
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timed out'> =>
  Promise.race([p, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms).unref())]);

describe('HTTP hardening (e2e)', () => {
  const logs = new LogLines();
  let t: App;
  let admin: string;
  let port: number;
  const http = () => t.http();
  const bearer = (token = admin) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: '1000', LOG_LEVEL: 'info' }, undefined, { extraModules: [FailingQueryModule], logDestination: logs });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    admin = t.token({ roles: ['platform:admin'], sub: 'ops@platform' });
    await http().post('/v1/tenants').set(bearer()).send(tenantBody('acme')).expect(201);
  });
  afterAll(() => t.close());

  describe('deeply nested JSON', () => {
    it('refuses 1 MB of nested brackets with 400 validation_failed at once, and the server keeps answering meanwhile', async () => {
      const deep = '['.repeat(400_000) + ']'.repeat(400_000);
      const started = Date.now();
      const [res, health] = await Promise.all([
        http().post('/v1/tenants').set(bearer()).set('content-type', 'application/json').send(deep),
        new Promise((r) => setTimeout(r, 20)).then(() => http().get('/healthz')),
      ]);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'validation_failed', status: 400, instance: '/v1/tenants' });
      expect(res.body.detail).toMatch(/nested deeper than 64 levels/);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(health.status).toBe(200);
    });

    it('refuses 65 levels of nesting inside an otherwise valid body, and counts no brackets inside strings', async () => {
      const tooDeep = await http()
        .post('/v1/tenants')
        .set(bearer())
        .set('content-type', 'application/json')
        .send(`{"id":"deep-1","displayName":${'['.repeat(64)}${']'.repeat(64)}}`);
      expect(tooDeep.status).toBe(400);
      expect(tooDeep.body.detail).toMatch(/nested deeper than 64 levels/);

      const brackets = await http().post('/v1/tenants').set(bearer()).send({ ...tenantBody('brackets'), displayName: `[{"${'['.repeat(150)}` });
      expect(brackets.status).toBe(201);
      expect(brackets.body.displayName).toBe(`[{"${'['.repeat(150)}`);
    });

    it('parses JSON only: a form-encoded body is 415 unsupported_media_type', async () => {
      const res = await http().post('/v1/tenants').set(bearer()).type('form').send('id=form-tenant&displayName=Form');
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: 'unsupported_media_type', status: 415 });
    });
  });

  describe('slow clients', () => {
    it('cuts off a request whose body trickles in for longer than HTTP_REQUEST_TIMEOUT_MS', async () => {
      const { socket, received, closed } = await openSocket(port);
      socket.write('POST /v1/tenants HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const drip = setInterval(() => socket.writable && socket.write(' '), 200);
      try {
        const after = await within(closed, 5000);
        expect(after).not.toBe('timed out');
        expect(after as number).toBeLessThan(3500);
        expect(received()).toMatch(/^(HTTP\/1\.1 408|$)/);
      } finally {
        clearInterval(drip);
        socket.destroy();
      }
    });

    it('cuts off a client that never finishes its headers', async () => {
      const { socket, closed } = await openSocket(port);
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
      try {
        const after = await within(closed, 5000);
        expect(after).not.toBe('timed out');
        expect(after as number).toBeLessThan(3500);
      } finally {
        clearInterval(drip);
        socket.destroy();
      }
    });
  });

  describe('audit attribution of anonymous refusals', () => {
    it('files an unauthenticated call on /v1/tenants/{id}/suspend under no tenant, so the tenant\'s own log stays clean', async () => {
      const correlationId = `anon-${randomUUID()}`;
      const res = await http().post('/v1/tenants/acme/suspend').set('X-Correlation-Id', correlationId).send({ reason: 'forged' });
      expect(res.status).toBe(401);
      const rows = await t.ds.query(`SELECT tenant_id, actor, action, target_id, result, status FROM platform.audit_log WHERE correlation_id = $1`, [correlationId]);
      expect(rows).toEqual([{ tenant_id: null, actor: 'anonymous', action: 'tenant.suspend', target_id: 'acme', result: 'denied', status: 401 }]);

      const acmeAdmin = t.token({ tenantId: 'acme', roles: ['tenant:admin'], sub: 'admin@acme' });
      const ownLog = await http().get('/v1/audit-log?limit=200').set(bearer(acmeAdmin));
      expect(ownLog.status).toBe(200);
      expect(ownLog.body.items.filter((e: { correlationId: string }) => e.correlationId === correlationId)).toEqual([]);
      const platformLog = await http().get('/v1/audit-log?limit=200').set(bearer());
      expect(platformLog.body.items.filter((e: { correlationId: string }) => e.correlationId === correlationId)).toHaveLength(1);
    });

    it('still files an authenticated refusal under the tenant it concerned', async () => {
      const correlationId = `viewer-${randomUUID()}`;
      const viewer = t.token({ roles: ['platform:viewer'], sub: 'viewer@platform' });
      const res = await http().post('/v1/tenants/acme/suspend').set(bearer(viewer)).set('X-Correlation-Id', correlationId).send({});
      expect(res.status).toBe(403);
      const rows = await t.ds.query(`SELECT tenant_id, actor FROM platform.audit_log WHERE correlation_id = $1`, [correlationId]);
      expect(rows).toEqual([{ tenant_id: 'acme', actor: 'viewer@platform' }]);
    });
  });

  describe('response headers', () => {
    it.each([
      ['a JSON resource', '/v1/tenants/acme', true, 200],
      ['a problem', '/v1/tenants/acme', false, 401],
      ['an unknown route', '/v1/no-such-route', true, 404],
      ['liveness', '/healthz', false, 200],
      ['build info', '/version', false, 200],
      ['the OpenAPI document', '/docs-json', false, 200],
    ])('serves %s with X-Content-Type-Options: nosniff and Cache-Control: no-store', async (_, path, withToken, status) => {
      const res = await (withToken ? http().get(path).set(bearer()) : http().get(path));
      expect(res.status).toBe(status);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('serves Swagger UI with a Content-Security-Policy that forbids framing and foreign scripts, and every asset it needs from /docs', async () => {
      const page = await http().get('/docs');
      expect(page.status).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');

      // The page runs under that policy only if every script is a file of this server (no inline code).
      const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(body.trim()).toBe('');
        const src = /src=["']([^"']+)["']/.exec(attrs)?.[1] ?? '';
        const { origin, pathname } = new URL(src, 'http://rcp.test/docs');
        expect([src, origin, pathname]).toEqual([src, 'http://rcp.test', expect.stringMatching(/^\/docs\/[\w.-]+\.js$/)]);
        const asset = await http().get(pathname);
        expect([pathname, asset.status]).toEqual([pathname, 200]);
        expect(asset.headers['x-content-type-options']).toBe('nosniff');
      }
    });
  });

  describe('logs', () => {
    it('never writes SQL parameters or query strings into a log line', async () => {
      const res = await http().get('/v1/test-only/failing-query?token=query-string-that-must-not-be-logged');
      expect(res.status).toBe(500);
      expect(res.body.code).toBe('internal');
      const failure = logs.lines.find((l) => l.includes('division by zero'));
      expect(failure).toBeDefined();
      expect(JSON.parse(failure!)).toMatchObject({ level: 'error', msg: 'request failed' });
      expect(failure).toContain('/v1/test-only/failing-query');
      for (const line of logs.lines) {
        expect(line).not.toContain('parameter-that-must-not-be-logged');
        expect(line).not.toContain('query-string-that-must-not-be-logged');
      }
      expect(logs.lines.some((l) => l.includes('"request completed"') && l.includes('/v1/test-only/failing-query'))).toBe(true);
    });
  });

  describe('validation messages', () => {
    const detailOf = (errors: Array<{ field: string; message: string }>) => errors.map((e) => `${e.field} ${e.message}`).join('; ');

    it('names each field once, with one message in one style', async () => {
      const res = await http().get('/v1/tenants?state=bogus&limit=0').set(bearer());
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'state', message: 'must be one of: active, suspended, offboarded' },
        { field: 'limit', message: 'must be at least 1' },
      ]);
      expect(res.body.detail).toBe(detailOf(res.body.errors));
      expect(res.body.detail).not.toMatch(/\b(\w+) \1\b/);
    });

    it('says a missing field is required, once per field, at its full path', async () => {
      const res = await http()
        .post('/v1/tenants')
        .set(bearer())
        .send({ id: 'missing-fields', isolationMode: 'pooled', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 0 } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'displayName', message: 'is required' },
        { field: 'quotas.maxReplicasPerService', message: 'must be at least 1' },
        { field: 'quotas.maxTotalReplicas', message: 'is required' },
      ]);
      expect(res.body.detail).toBe('displayName is required; quotas.maxReplicasPerService must be at least 1; quotas.maxTotalReplicas is required');
    });

    it('reports a missing image in an agent report as one message', async () => {
      const envId = randomUUID();
      const agent = t.token({ tenantId: 'acme', roles: ['agent'], environmentId: envId, sub: `agent:${envId}` });
      const res = await http()
        .put(`/v1/environments/${envId}/actual-state`)
        .set(bearer(agent))
        .send({ observedAt: '2026-01-15T10:00:00Z', services: [{ name: 'web', replicas: 1, readyReplicas: 1 }, { name: 'api', image: 7, replicas: 1.5, readyReplicas: 1 }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'services[0].image', message: 'is required' },
        { field: 'services[1].image', message: 'must be a string' },
        { field: 'services[1].replicas', message: 'must be an integer' },
      ]);
    });

    it('keeps every message free of the field name, starting with "is" or "must"', async () => {
      const res = await http()
        .post('/v1/tenants')
        .set(bearer())
        .send({ id: 'Not A Slug', displayName: '', isolationMode: 'x', quotas: 5, plan: 'gold' });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['displayName', 'id', 'isolationMode', 'plan', 'quotas']);
      for (const { field, message } of res.body.errors as Array<{ field: string; message: string }>) {
        expect(message).toMatch(/^(is|must) /);
        expect(message).not.toContain(field);
      }
      expect(res.body.errors).toContainEqual({ field: 'plan', message: 'is not a known field' });
      expect(res.body.errors).toContainEqual({ field: 'quotas', message: 'must be an object' });
    });
  });

  describe('the OpenAPI document', () => {
    it('documents /metrics, describes every response, types every count as an integer and documents the 400 of every mutation', async () => {
      const res = await http().get('/docs-json');
      expect(res.status).toBe(200);
      expect(findOpenApiDrift(res.body, { requiredPaths: ['/metrics', '/healthz', '/readyz', '/version'] })).toEqual([]);
      expect(res.body.paths['/metrics'].get.responses['200'].content).toHaveProperty(['text/plain']);
    });

    it('describes an event of the feed as a CloudEvents envelope', async () => {
      const doc = (await http().get('/docs-json')).body;
      const items = doc.components.schemas.EventFeedPage.properties.items.items;
      const envelope = items.$ref ? doc.components.schemas[items.$ref.split('/').pop()] : items;
      expect(envelope.required).toEqual(expect.arrayContaining(['specversion', 'id', 'source', 'type', 'subject', 'time', 'data']));
      expect(Object.keys(envelope.properties)).toEqual(
        expect.arrayContaining(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data', 'tenantid', 'correlationid', 'traceparent']),
      );
    });
  });
});

describe('the per-IP rate limit before the body is read (e2e)', () => {
  let t: App;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api', RATE_LIMIT_IP_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('answers 429 to a client over its limit before reading its 900 KB body', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await t.http().get('/version').set('X-Forwarded-For', '10.9.9.9');
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-limit-ip']).toBe('3');
      expect(ok.headers['x-ratelimit-remaining-ip']).toBe(String(2 - i));
    }
    const { socket, received } = await openSocket(port);
    try {
      // Headers and the first bytes of a large body; the rest never comes.
      socket.write('POST /v1/tenants HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 10.9.9.9\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n[[[[');
      const answered = await within(
        new Promise<string>((resolve) => {
          const check = setInterval(() => {
            if (/\r\n\r\n\{.*\}/s.test(received())) {
              clearInterval(check);
              resolve(received());
            }
          }, 20);
        }),
        3000,
      );
      expect(answered).not.toBe('timed out');
      const [head, body] = (answered as string).split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 429/);
      expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(head).toMatch(/\r\nretry-after: \d+/i);
      expect(JSON.parse(body)).toMatchObject({ code: 'rate_limited', status: 429, instance: '/v1/tenants' });
    } finally {
      socket.destroy();
    }
  });

  it('refuses a flood of unknown routes too, and leaves no audit row per refused request', async () => {
    for (let i = 0; i < 3; i++) expect((await t.http().get('/v1/nothing-here').set('X-Forwarded-For', '10.9.9.10')).status).toBe(404);
    const before = Number((await t.ds.query(`SELECT count(*) AS n FROM platform.audit_log`))[0].n);
    for (let i = 0; i < 5; i++) {
      const res = await t.http().post('/v1/tenants').set('X-Forwarded-For', '10.9.9.10').send({ id: `flood-${i}` });
      expect(res.status).toBe(429);
    }
    expect(Number((await t.ds.query(`SELECT count(*) AS n FROM platform.audit_log`))[0].n)).toBe(before);
  });
});
