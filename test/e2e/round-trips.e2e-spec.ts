import Redis from 'ioredis';
import { Client } from 'pg';
import { RequestContexts } from '@rcp/observability';
import { givenReadyEnvironment, givenTenant, GivenTenant, platformTokens, startTestApp, TestApp } from '@rcp/testing';

/**
 * How many round trips to Postgres and Redis one request costs on the hot paths (issue 19), counted on
 * the driver calls made in that request's own context (its correlation id; event handlers it causes run
 * as the system and are not counted). A count that grows is a regression of the hot path; these are
 * behaviours of the request, not timings.
 */
describe('round trips per request on the hot paths (e2e)', () => {
  let t: TestApp;
  let tenant: GivenTenant;
  let envId: string;
  const counted = { pg: 0, redis: 0, correlationId: '' };
  /** The rate limits are counted before the request's context exists: their commands are told by their keys. */
  const rateLimitCommand = (command: { args?: unknown[] }) => !!counted.correlationId && (command.args ?? []).some((a) => String(a).includes(':ratelimit:'));
  const inRequest = () => {
    const ctx = RequestContexts.current();
    return !!counted.correlationId && ctx?.correlationId === counted.correlationId && ctx.actor?.kind !== 'system';
  };
  const pgQuery = Client.prototype.query;
  const redisSend = Redis.prototype.sendCommand;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await givenTenant(t, { quotas: { maxEnvironments: 5 } });
    envId = (await givenReadyEnvironment(t, tenant)).id;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      if (inRequest()) counted.pg++;
      return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
    Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      if (inRequest() || rateLimitCommand(args[0] as { args?: unknown[] })) counted.redis++;
      return redisSend.apply(this, args);
    };
  });
  afterAll(async () => {
    Client.prototype.query = pgQuery;
    Redis.prototype.sendCommand = redisSend;
    await t?.close();
  });

  /** Sends the request twice (the first warms the token and lifecycle caches), counts the second. */
  const roundTrips = async (send: (correlationId: string) => Promise<{ status: number }>, status: number) => {
    expect((await send(`warm-${Math.random()}`)).status).toBe(status);
    counted.pg = 0;
    counted.redis = 0;
    counted.correlationId = `count-${Math.random().toString(36).slice(2)}`;
    const res = await send(counted.correlationId);
    counted.correlationId = '';
    expect(res.status).toBe(status);
    return { pg: counted.pg, redis: counted.redis };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('reads a tenant, a page of environments and a feed page in one Postgres and one Redis round trip each', async () => {
    const get = (path: string) => (cid: string) => t.http().get(path).set(bearer(tenant.viewer)).set('x-correlation-id', cid);
    expect(await roundTrips(get(`/v1/tenants/${tenant.id}`), 200)).toEqual({ pg: 1, redis: 1 });
    expect(await roundTrips(get('/v1/environments?limit=50'), 200)).toEqual({ pg: 1, redis: 1 });
    expect(await roundTrips(get('/v1/events?limit=50'), 200)).toEqual({ pg: 1, redis: 1 });
  });

  it('creates a tenant in four Postgres round trips: the key\'s claim, the insert with BEGIN, events and audit with COMMIT, the key\'s answer', async () => {
    const platform = platformTokens(t).admin;
    let n = 0;
    const create = (cid: string) => {
      n += 1;
      const id = `rt-${n}-${Math.random().toString(36).slice(2, 8)}`;
      return t
        .http()
        .post('/v1/tenants')
        .set(bearer(platform))
        .set('idempotency-key', `key-${id}`)
        .set('x-correlation-id', cid)
        .send({ id, displayName: id, isolationMode: 'pooled', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 } });
    };
    expect(await roundTrips(create, 201)).toEqual({ pg: 4, redis: 1 });
  });

  it('takes an agent\'s report that changes nothing in a bounded number of round trips', async () => {
    const services = [{ name: 'web', image: 'registry.example/web:1.0.0', replicas: 1, readyReplicas: 1, configChecksum: null }];
    const report = (cid: string) =>
      t.http().put(`/v1/environments/${envId}/actual-state`).set(bearer(tenant.agent(envId))).set('x-correlation-id', cid).send({ observedAt: new Date().toISOString(), services });
    const trips = await roundTrips(report, 200);
    // the environment with BEGIN, the tenant's terms, the inventory with its services, the versioned
    // update, the services' upsert, audit with COMMIT
    expect(trips).toEqual({ pg: 6, redis: 1 });
  });
});
