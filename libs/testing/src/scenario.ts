import { randomBytes } from 'node:crypto';
import type { RoleName } from '../../auth/src';
import { eventually, TestApp } from './test-app';

/**
 * Scenario fixtures: the state a test starts from, built the way a user builds it (over HTTP, with the
 * roles a user would have), each with fresh ids, so a test needs no other test to have run and tests
 * sharing an app never see each other's data. Waits poll what a user could observe; nothing sleeps.
 */

export const QUOTAS = { maxEnvironments: 10, maxServicesPerEnvironment: 5, maxReplicasPerService: 10, maxTotalReplicas: 100 };
export type Quotas = typeof QUOTAS;
type Body = Record<string, any>;

/** A fresh slug (`<prefix>-<8 hex>`), unique in the test run. */
export const uniqueId = (prefix = 't'): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The platform's tokens: `admin` (platform:admin, sub `ops@platform`) and `viewer` (platform:viewer). */
export function platformTokens(t: TestApp): { admin: string; viewer: string } {
  return { admin: t.token({ roles: ['platform:admin'], sub: 'ops@platform' }), viewer: t.token({ roles: ['platform:viewer'], sub: 'viewer@platform' }) };
}

export interface TokenClaims {
  sub?: string;
  projectIds?: string[];
  environmentId?: string;
  /** An agent token's capabilities (default: every known one). */
  capabilities?: string[];
}

export interface GivenTenant {
  id: string;
  /** The binding as `POST /v1/tenants` answered it. */
  binding: Body;
  /** tenant:admin, sub `admin@<id>`. */
  admin: string;
  /** tenant:deployer, sub `deployer@<id>`. */
  deployer: string;
  /** tenant:viewer, sub `viewer@<id>`. */
  viewer: string;
  /** A token of this tenant with any roles and claims (a project scope, a subject). */
  token(roles: RoleName | RoleName[], claims?: TokenClaims): string;
  /** The token of the agent of one of this tenant's environments. */
  agent(environmentId: string): string;
}

export interface TenantOptions {
  /** Default: a fresh `t-<hex>`. */
  id?: string;
  /** Default: `Tenant <id>`. */
  displayName?: string;
  isolationMode?: 'shared' | 'pooled' | 'siloed';
  quotas?: Partial<Quotas>;
}

/** Tokens of tenant `id` for each tenant role (see {@link GivenTenant}). */
export function tenantTokens(t: TestApp, id: string): Omit<GivenTenant, 'id' | 'binding'> {
  const token = (roles: RoleName | RoleName[], claims: TokenClaims = {}) => t.token({ tenantId: id, roles: ([] as RoleName[]).concat(roles), ...claims });
  return {
    token,
    admin: token('tenant:admin', { sub: `admin@${id}` }),
    deployer: token('tenant:deployer', { sub: `deployer@${id}` }),
    viewer: token('tenant:viewer', { sub: `viewer@${id}` }),
    agent: (environmentId) => token('agent', { environmentId }),
  };
}

/**
 * Onboards a tenant as a platform admin (`POST /v1/tenants`) and waits until its onboarding has reached
 * every handler (so inventory accepts its environments). Returns its id, binding and tokens.
 */
export async function givenTenant(t: TestApp, opts: TenantOptions = {}): Promise<GivenTenant> {
  const id = opts.id ?? uniqueId();
  const res = await t
    .http()
    .post('/v1/tenants')
    .set('authorization', `Bearer ${platformTokens(t).admin}`)
    .send({ id, displayName: opts.displayName ?? `Tenant ${id}`, isolationMode: opts.isolationMode ?? 'pooled', quotas: { ...QUOTAS, ...opts.quotas } });
  if (res.status !== 201) throw new Error(`givenTenant(${id}): POST /v1/tenants answered ${res.status} ${res.text}`);
  await delivered(t, id);
  return { id, binding: res.body, ...tenantTokens(t, id) };
}

export interface EnvironmentOptions {
  /** Default: a fresh `env-<hex>`. */
  name?: string;
  projectId?: string;
  type?: 'development' | 'staging' | 'production';
  region?: string;
  labels?: Record<string, string>;
  /** Who requests it; default the tenant's admin. */
  token?: string;
}

/** Requests an environment (`POST /v1/environments`, 202) and returns the accepted environment (with its `jobId`). */
export async function givenEnvironment(t: TestApp, tenant: GivenTenant, opts: EnvironmentOptions = {}): Promise<Body> {
  const { token = tenant.admin, name = uniqueId('env'), ...rest } = opts;
  const body = { name, projectId: 'web', type: 'staging', region: 'eu-west-1', ...rest };
  const res = await t.http().post('/v1/environments').set('authorization', `Bearer ${token}`).send(body);
  if (res.status !== 202) throw new Error(`givenEnvironment(${tenant.id}/${name}): POST /v1/environments answered ${res.status} ${res.text}`);
  return res.body;
}

/** An environment brought to `ready` by the simulated provisioner; returns it as `GET /v1/environments/{id}` shows it. */
export async function givenReadyEnvironment(t: TestApp, tenant: GivenTenant, opts: EnvironmentOptions = {}): Promise<Body> {
  const accepted = await givenEnvironment(t, tenant, opts);
  return environmentIn(t, tenant, accepted.id, 'ready');
}

/**
 * Polls `GET /v1/environments/{id}` until the environment is in `state`, and returns it; fails at once
 * if it lands in `failed` or `decommissioned` instead (states only a user's action leaves).
 */
export async function environmentIn(t: TestApp, tenant: GivenTenant | string, id: string, state: string, timeoutMs = 15_000): Promise<Body> {
  const token = typeof tenant === 'string' ? tenant : tenant.admin;
  const settled = ['failed', 'decommissioned'];
  let wrong: Body | undefined;
  const env = await eventually(
    async () => {
      const res = await t.http().get(`/v1/environments/${id}`).set('authorization', `Bearer ${token}`);
      if (res.body.state === state) return res.body as Body;
      if (settled.includes(res.body.state)) wrong = res.body;
      return wrong ? (res.body as Body) : undefined;
    },
    timeoutMs,
    50,
    `environment ${id} ${state}`,
  );
  if (env.state !== state) throw new Error(`environment ${id} settled in ${env.state}, not ${state}: ${JSON.stringify(env)}`);
  return env;
}

/** One published event, as the feed shows it (a CloudEvent). */
export interface PublishedEnvelope {
  id: string;
  type: string;
  subject: string;
  time: string;
  data: Body;
  [attribute: string]: unknown;
}

/**
 * Waits until every event recorded for `subject` so far is published (on the feed) and delivered to
 * every handler (none pending or failing), so a test can read another context's effect of it.
 */
export const delivered = (t: TestApp, subject: string, timeoutMs = 15_000): Promise<void> => settled(t, subject, 'delivered', timeoutMs);

/**
 * The events published for one subject, in feed order (`platform.event_log`), once every event
 * recorded for it so far has been published. `type` keeps the types starting with it (`rcp.inventory.`).
 */
export async function eventsOf(t: TestApp, subject: string, type = ''): Promise<PublishedEnvelope[]> {
  await settled(t, subject, 'published');
  const rows: Array<{ envelope: PublishedEnvelope }> = await t.asOwner(
    `SELECT envelope FROM platform.event_log WHERE envelope->>'subject' = $1 AND starts_with(type, $2) ORDER BY position`,
    [subject, type],
  );
  return rows.map((r) => r.envelope);
}

async function settled(t: TestApp, subject: string, until: 'published' | 'delivered', timeoutMs = 15_000): Promise<void> {
  const deliveries = `SELECT count(*) FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id
                      WHERE e.envelope->>'subject' = $1 AND d.state IN ('pending', 'failed')`;
  const sql = `SELECT (SELECT count(*) FROM platform.outbox_events WHERE envelope->>'subject' = $1)${until === 'delivered' ? ` + (${deliveries})` : ''} AS n`;
  await eventually(async () => Number((await t.asOwner(sql, [subject]))[0].n) === 0, timeoutMs, 25, `events of ${subject} ${until}`);
}

/**
 * Polls `GET /v1/deployments/{id}` (as `token`) until the deployment is in one of `states`, and returns
 * it as served (plan, weight, timeline).
 */
export function deploymentIn(t: TestApp, token: string, id: string, states: string[], timeoutMs = 60_000): Promise<Body> {
  return eventually(
    async () => {
      const res = await t.http().get(`/v1/deployments/${id}`).set('authorization', `Bearer ${token}`);
      return states.includes(res.body.state) ? (res.body as Body) : undefined;
    },
    timeoutMs,
    200,
    `deployment ${id} ${states.join(' or ')}`,
  );
}
