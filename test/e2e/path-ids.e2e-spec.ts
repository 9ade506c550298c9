import request from 'supertest';
import { startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

const quotas = { maxEnvironments: 10, maxServicesPerEnvironment: 5, maxReplicasPerService: 10, maxTotalReplicas: 100 };

describe('Malformed ids in paths (e2e)', () => {
  let t: App;
  let platform: string;
  let acme: string;
  const http = () => t.http();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    platform = t.token({ roles: ['platform:admin'] });
    acme = t.token({ tenantId: 'acme', roles: ['tenant:admin'] });
    await http().post('/v1/tenants').set(bearer(platform)).send({ id: 'acme', displayName: 'Acme', isolationMode: 'pooled', quotas }).expect(201);
  });
  afterAll(() => t.close());

  const notFound = (res: request.Response, path: string) => {
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: 'not_found', type: 'https://rcp.dev/problems/not-found', instance: path });
  };

  it.each(['/v1/environments/not-a-uuid', '/v1/environments/not-a-uuid/services', '/v1/jobs/not-a-uuid'])(
    'GET %s is 404 not_found, saying that ids are UUIDs',
    async (path) => {
      const res = await http().get(path).set(bearer(acme));
      notFound(res, path);
      expect(res.body.detail).toMatch(/ids are UUIDs/);
    },
  );

  it('GET of a tenant that cannot exist is 404 not_found', async () => {
    notFound(await http().get('/v1/tenants/Not_A_Tenant').set(bearer(platform)), '/v1/tenants/Not_A_Tenant');
  });

  it('a mutation of an environment by a malformed id is 404 not_found before anything runs', async () => {
    const calls = [
      http().delete('/v1/environments/0'),
      http().post('/v1/environments/0/retry'),
      http().put('/v1/environments/0/actual-state').send({ observedAt: new Date().toISOString(), services: [] }),
    ];
    for (const call of calls) {
      const res = await call.set(bearer(acme));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'not_found', detail: expect.stringMatching(/ids are UUIDs/) });
    }
  });
});
