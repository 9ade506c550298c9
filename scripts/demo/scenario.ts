/**
 * The product, end to end, over its public HTTP API only: the scenario `npm run demo` runs against a
 * running control plane, and test/e2e/demo.e2e-spec.ts runs against one it starts in-process. Every
 * call goes through `openapi-fetch`'s `createClient<paths>()`, typed by scripts/demo/rcp-api.d.ts, which
 * openapi-typescript generates from the OpenAPI document the application serves (`npm run
 * client:generate`), so a request or a field the document does not describe does not compile.
 *
 * Steps, each printed with the states it saw and the webhook deliveries that arrived meanwhile:
 * 1. a tenant onboarded (a unique id per run) and a local webhook receiver subscribed to its events;
 * 2. an environment requested and provisioned by the (simulated) data plane until `ready`;
 * 3. an inline secret binding (sealed by the control plane: the one provider a stock `npm start` can
 *    resolve without a vault, once SECRETS_INLINE_ALLOWED=true) and a configuration version using it;
 * 4. a first release (applied whole: nothing runs yet to shift traffic from), then the next one as a
 *    canary (20 %, then a pause until promoted) that passes its health gate and is promoted;
 * 5. a next revision whose image misbehaves (`-unhealthy`): its gate fails and it rolls back by itself;
 * 6. a desired state from "Git" that differs from what runs: a drift finding, the remediation policy
 *    set to `auto`, the corrective deployment it issues, and the finding resolved;
 * 7. the webhook deliveries: every one verified (Standard Webhooks signature), the expected events in.
 * Any step that does not reach its expected state within its time bound throws a {@link DemoError}.
 */
import { randomBytes } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { LocalTokenSpec } from '@rcp/auth';
import type { components, paths } from './rcp-api';
import { ReceivedEvent, summarize, WebhookReceiver } from './webhook-receiver';

type Schemas = components['schemas'];
export type Tenant = Schemas['TenantResponse'];
export type Environment = Schemas['EnvironmentResponse'];
export type Deployment = Schemas['DeploymentResponse'];
export type Finding = Schemas['DriftFindingResponse'];
export type SecretBinding = Schemas['SecretBindingResponse'];
export type ConfigVersion = Schemas['PublishedConfigVersionResponse'];
export type Subscription = Schemas['WebhookSubscriptionResponse'];
export type Problem = Schemas['ProblemDto'];
type Client = ReturnType<typeof createClient<paths>>;

/** How long each wait may take before the step fails (ms). The defaults suit `npm start`'s defaults. */
export interface DemoTimeouts {
  /** Provisioning, tenant onboarding reaching inventory, read models catching up. */
  environment: number;
  /** A rollout reaching a state (a gate judged from pulled health takes a few pulls). */
  rollout: number;
  /** Inventory seeing what runs, a finding appearing or resolving. */
  drift: number;
  /** A webhook delivery arriving after the event. */
  webhook: number;
}

export const DEFAULT_TIMEOUTS: DemoTimeouts = { environment: 120_000, rollout: 360_000, drift: 300_000, webhook: 60_000 };

export interface DemoOptions {
  /** The control plane, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** Signs a token the control plane accepts (npm run demo: the local HS256 secret; the test: its app's). */
  mint: (spec: LocalTokenSpec) => string;
  /** Receives every line the demo prints. */
  log: (line: string) => void;
  /** The tenant to onboard (default: `demo-<8 hex>`, new each run). */
  tenantId?: string;
  timeouts?: Partial<DemoTimeouts>;
  /** How often states are polled (ms, default 1000). */
  pollMs?: number;
  /** The health gate of the demo's deployments (a short minHealthySeconds keeps the demo quick). */
  healthGate?: Schemas['HealthGateDto'];
  /** The fetch every API call goes through (the test checks each response against /docs-json with it). */
  fetch?: (input: Request) => Promise<Response>;
  /**
   * The webhook receiver to subscribe (default: a new one, stopped when the demo ends). One passed here
   * is started if it is not listening yet and left running, so the caller can check what arrives later.
   */
  receiver?: WebhookReceiver;
}

export interface DemoResult {
  tenant: Tenant;
  environment: Environment;
  secretBinding: SecretBinding;
  configVersion: ConfigVersion;
  subscription: Subscription;
  canary: Deployment;
  unhealthy: Deployment;
  finding: Finding;
  corrective: Deployment;
  /** Every verified webhook event, in arrival order. */
  events: ReceivedEvent[];
  /** Deliveries whose signature did not verify (none, or the demo fails). */
  rejected: Array<{ webhookId: string | undefined; error: string }>;
  /** The environment's services as inventory shows them at the end. */
  services: Schemas['ServiceResponse'][];
}

/** A step that did not reach its expected state; `step` names it, the message says what was seen. */
export class DemoError extends Error {
  constructor(
    readonly step: string,
    message: string,
    /** What the user can do about it (a setting to change), when it is a known set-up problem. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

const SERVICE = 'checkout';
const IMAGE = 'registry.example/checkout';
const FIRST = `${IMAGE}:1.0.0`;
const GOOD = `${IMAGE}:1.1.0`;
const BAD = `${IMAGE}:1.2.0-unhealthy`;
const FIXED = `${IMAGE}:1.2.1`;
const REPLICAS = 2;
const SECRET_NAME = 'DB_PASSWORD';
const SETTLED: Deployment['state'][] = ['succeeded', 'rolled_back', 'failed', 'aborted'];

/** The webhook events each step waits for before it reports (about the step's resource, in any order). */
const EXPECTED_EVENTS = {
  environment: ['rcp.inventory.environment-requested.v1', 'rcp.inventory.environment-ready.v1'],
  configuration: ['rcp.configuration.secret-binding-created.v1', 'rcp.configuration.config-version-published.v1'],
  canary: ['rcp.deployment.deployment-created.v1', 'rcp.deployment.deployment-paused.v1', 'rcp.deployment.deployment-promoted.v1', 'rcp.deployment.deployment-succeeded.v1'],
  unhealthy: ['rcp.deployment.deployment-created.v1', 'rcp.deployment.deployment-rollback-started.v1', 'rcp.deployment.deployment-rolled-back.v1'],
  finding: ['rcp.drift.drift-detected.v1', 'rcp.drift.remediation-requested.v1', 'rcp.drift.drift-resolved.v1'],
};

/** Runs the whole scenario; resolves with what it created and saw, or rejects with a {@link DemoError}. */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const pollMs = opts.pollMs ?? 1000;
  const gate = opts.healthGate ?? { minHealthySeconds: 5, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 300 };
  const tenantId = opts.tenantId ?? `demo-${randomBytes(4).toString('hex')}`;
  const log = opts.log;
  const started = Date.now();
  const client = (spec: LocalTokenSpec): Client =>
    createClient<paths>({ baseUrl: opts.baseUrl, headers: { authorization: `Bearer ${opts.mint({ ttlSeconds: 3600, ...spec })}` }, fetch: opts.fetch });
  const platform = client({ roles: ['platform:admin'], sub: 'demo-operator@platform' });
  const admin = client({ tenantId, roles: ['tenant:admin'], sub: `admin@${tenantId}` });
  const deployer = client({ tenantId, roles: ['tenant:deployer'], sub: `ci-pipeline@${tenantId}` });
  const viewer = client({ tenantId, roles: ['tenant:viewer'], sub: `viewer@${tenantId}` });

  const receiver = opts.receiver ?? new WebhookReceiver();
  /** The demo's environment (from step 2). */
  let envId = '';
  let stepName = 'start';
  const step = (n: number, title: string) => {
    stepName = title;
    log('');
    log(`▶ ${n}/7 ${title}  (+${elapsed(started)})`);
  };
  const say = (line: string) => log(`  ${line}`);
  const fail = (message: string, hint?: string): never => {
    throw new DemoError(stepName, message, hint);
  };
  /** The response's body, or a DemoError naming the call, the status and the problem. */
  const ok = async <T>(what: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
    const { data, error, response } = await call;
    if (error !== undefined || data === undefined) fail(`${what} answered ${response.status}: ${describeProblem(error)}`);
    return data as T;
  };
  /** Polls `read` until `done`, printing every change of `show`; fails on `wrong` or after `timeoutMs`. */
  const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, show?: (v: T) => string, wrong?: (v: T) => boolean): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    const since = Date.now();
    let last = '';
    for (;;) {
      const v = await read();
      const line = show?.(v);
      if (line !== undefined && line !== last) say(`${line}  (${elapsed(since)})`);
      last = line ?? last;
      if (done(v)) return v;
      if (wrong?.(v)) fail(`${what}: ${line ?? JSON.stringify(v)}`);
      if (Date.now() > deadline) fail(`${what} not reached within ${Math.round(timeoutMs / 1000)} s; last seen: ${line ?? JSON.stringify(v).slice(0, 500)}`);
      await sleep(pollMs);
    }
  };
  /** Waits until the receiver has every `types` event about `id` (its subject, or named in its data), then prints what arrived since the last report. */
  const webhooks = async (id: string, types: string[]) => {
    for (const type of types) {
      await receiver.waitFor(`${type} about ${id}`, (e) => e.type === type && concerns(e, id), timeouts.webhook).catch((err: Error) => fail(err.message));
    }
    const fresh = receiver.takeNew();
    say(`webhook ⇠ ${fresh.length} events, ${receiver.rejected.length ? `${receiver.rejected.length} REJECTED` : 'every signature verified'}: ${summarize(fresh)}`);
  };
  const getDeployment = (id: string) => ok('GET /v1/deployments/{id}', viewer.GET('/v1/deployments/{id}', { params: { path: { id } } }));
  const showDeployment = (d: Deployment) => `deployment r${d.revision} ${d.release.image}: ${d.state}, step ${d.currentStep}/${d.plan.length}, weight ${d.weight} %`;
  /** POSTs a deployment, retried while its preconditions are unmet only because read models are catching up. */
  const deploy = async (body: Schemas['CreateDeploymentRequest']): Promise<Deployment> => {
    let reasons: string[] = [];
    const deadline = Date.now() + timeouts.environment;
    for (;;) {
      const { data, error, response } = await deployer.POST('/v1/deployments', { body });
      if (data) return data;
      if (error?.code !== 'precondition_failed' || Date.now() > deadline) fail(`POST /v1/deployments answered ${response.status}: ${describeProblem(error)}${reasons.length ? ` (last reasons: ${reasons.join('; ')})` : ''}`);
      reasons = error?.reasons ?? [];
      if (reasons.some((r) => /unresolvable|not resolvable/i.test(r))) fail(`the deployment's preconditions are unmet: ${reasons.join('; ')}`);
      await sleep(pollMs);
    }
  };
  /** Waits until inventory (pulled from the data plane) shows the service running `image` on REPLICAS replicas, all ready. */
  const inventoryShows = (image: string, what: string) =>
    until(
      `inventory showing ${image} ${what}`,
      () => ok('GET /v1/environments/{id}/services', viewer.GET('/v1/environments/{id}/services', { params: { path: { id: envId } } })),
      (s) => s.items.some((i) => i.name === SERVICE && i.image === image && i.replicas === REPLICAS && i.readyReplicas === REPLICAS),
      timeouts.drift,
      (s) => `inventory: ${s.items.map((i) => `${i.name} ${i.image} ${i.readyReplicas}/${i.replicas} ready`).join(', ') || 'nothing observed yet'}`,
    );
  const planOf = (d: Deployment) => d.plan.map((s) => `${s.action}${s.action === 'set-weight' ? ` ${s.weight} %` : ''}${s.verify ? ' (gate)' : ''}`).join(' → ');
  const timelineTail = (d: Deployment, n: number) => d.timeline.slice(-n).map((t) => `${t.at} ${t.state}${t.step !== null ? ` (step ${t.step})` : ''}: ${t.message}`);

  try {
    // ── 1 ───────────────────────────────────────────────────────────────────────────────────────────
    step(1, `Onboard tenant ${tenantId} and subscribe a webhook receiver`);
    const onboarded = await platform.POST('/v1/tenants', {
      body: { id: tenantId, displayName: `Demo ${tenantId}`, isolationMode: 'pooled', quotas: { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 10, maxTotalReplicas: 40 } },
      headers: { 'Idempotency-Key': `demo-onboard-${tenantId}` },
    });
    if (onboarded.response.status === 401) fail('the control plane refused the demo\'s token (401)', 'run the demo with the same .env (JWT_SECRET or JWT_SECRET_FILE, JWT_ISSUER, JWT_AUDIENCE) and working directory as the control plane (npm run token signs the same way)');
    const tenant = await ok('POST /v1/tenants', Promise.resolve(onboarded));
    say(`tenant ${tenant.id}: ${tenant.state}, isolation ${tenant.isolationMode}, placement ${tenant.placement.model} on ${tenant.placement.cluster} (HTTP ${onboarded.response.status}, ETag ${onboarded.response.headers.get('etag')})`);

    const url = await receiver.start();
    const subscribed = await admin.POST('/v1/webhook-subscriptions', { body: { url, eventTypes: ['rcp.*'], description: 'npm run demo receiver' } });
    if (subscribed.error?.code === 'validation_failed' && subscribed.error.errors?.some((e) => e.field === 'url')) {
      fail(
        `the control plane refuses the local receiver ${url}: ${describeProblem(subscribed.error)}`,
        'webhooks go to https URLs on public addresses only unless the control plane runs with WEBHOOK_ALLOW_PRIVATE_TARGETS=true (local development): restart `npm start` with it',
      );
    }
    const subscription = await ok('POST /v1/webhook-subscriptions', Promise.resolve(subscribed));
    if (!subscription.secret) fail('POST /v1/webhook-subscriptions answered no signing secret');
    receiver.useSecret(subscription.secret!);
    say(`receiver ${url}: subscription ${subscription.id} ${subscription.state} for ${subscription.eventTypes.join(', ')}, signing secret ${subscription.secret!.slice(0, 10)}… (shown once)`);

    // ── 2 ───────────────────────────────────────────────────────────────────────────────────────────
    step(2, 'Request an environment and wait until the data plane has provisioned it');
    const envBody: Schemas['RequestEnvironmentRequest'] = { name: 'web-staging', projectId: 'web', type: 'staging', region: 'eu-west-1', labels: { team: 'payments' } };
    // Accepted once the tenant's onboarding has reached inventory (its events travel after commit).
    const accepted = await until(
      'the environment request accepted',
      () => admin.POST('/v1/environments', { body: envBody }),
      (r) => r.data !== undefined,
      timeouts.environment,
      (r) => (r.data ? `environment ${r.data.id} ${r.data.name}: ${r.data.state} (HTTP ${r.response.status}, job ${r.data.jobId})` : `POST /v1/environments: ${r.response.status} ${describeProblem(r.error)}`),
      (r) => r.error !== undefined && r.error.code !== 'precondition_failed',
    );
    envId = accepted.data!.id;
    const environment = await until(
      `environment ${envId} ready`,
      () => ok('GET /v1/environments/{id}', admin.GET('/v1/environments/{id}', { params: { path: { id: envId } } })),
      (e) => e.state === 'ready',
      timeouts.environment,
      (e) => `environment: ${e.state}${e.failureReason ? ` (${e.failureReason})` : ''}${e.state === 'ready' ? `, namespace ${e.placement.namespace} on ${e.placement.cluster}` : ''}`,
      (e) => e.state === 'failed' || e.state === 'decommissioned',
    );
    await webhooks(envId, EXPECTED_EVENTS.environment);

    // ── 3 ───────────────────────────────────────────────────────────────────────────────────────────
    step(3, 'Bind a secret and publish a configuration version that uses it');
    const bound = await admin.POST('/v1/environments/{id}/secret-bindings', {
      params: { path: { id: envId } },
      body: { name: SECRET_NAME, provider: 'inline', value: `demo-${randomBytes(12).toString('base64url')}` },
    });
    if (bound.error?.code === 'precondition_failed') {
      fail(
        `the control plane refuses inline secret bindings: ${describeProblem(bound.error)}`,
        'the demo binds its secret inline (sealed by the control plane, the one provider that resolves without a vault): start `npm start` with SECRETS_INLINE_ALLOWED=true and SECRETS_MASTER_KEY=demo:<base64 of 32 random bytes>',
      );
    }
    const secretBinding = await ok('POST /v1/environments/{id}/secret-bindings', Promise.resolve(bound));
    say(`secret binding ${secretBinding.name}: provider ${secretBinding.provider}, status ${secretBinding.status}${secretBinding.reason ? ` (${secretBinding.reason})` : ''}; the value is write-only, never returned`);
    if (secretBinding.status !== 'resolvable') fail(`secret binding ${secretBinding.name} is ${secretBinding.status}: a deployment that needs it would fail closed`);
    const configVersion = await ok(
      'POST /v1/environments/{id}/config-versions',
      admin.POST('/v1/environments/{id}/config-versions', { params: { path: { id: envId } }, body: { service: SERVICE, entries: { LOG_LEVEL: 'info', FEATURE_NEW_CHECKOUT: 'true' }, secretRefs: [SECRET_NAME] } }),
    );
    say(`config version ${configVersion.version} of ${configVersion.service}: ${Object.keys(configVersion.entries).length} entries, secretRefs ${configVersion.secretRefs.join(', ')}, checksum ${configVersion.checksum.slice(0, 19)}…`);
    await webhooks(envId, EXPECTED_EVENTS.configuration);

    // ── 4 ───────────────────────────────────────────────────────────────────────────────────────────
    step(4, `Deploy ${FIRST}, then ${GOOD} as a canary (20 %, pause) promoted to success`);
    const initial = await deploy({
      environmentId: envId,
      service: SERVICE,
      image: FIRST,
      configVersion: configVersion.version,
      secretBindings: [SECRET_NAME],
      replicas: REPLICAS,
      strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0 },
      healthGate: gate,
    });
    say(`deployment ${initial.id} accepted (202): the service's first release, plan ${planOf(initial)}`);
    await until(`deployment ${initial.id} succeeded`, () => getDeployment(initial.id), (d) => d.state === 'succeeded', timeouts.rollout, showDeployment, (d) => SETTLED.includes(d.state));
    const first = await deploy({
      environmentId: envId,
      service: SERVICE,
      image: GOOD,
      configVersion: configVersion.version,
      secretBindings: [SECRET_NAME],
      replicas: REPLICAS,
      strategy: { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] },
      healthGate: gate,
    });
    say(`canary ${first.id} accepted (202): ${first.state}, plan ${planOf(first)}`);
    const paused = await until(`canary ${first.id} paused at 20 %`, () => getDeployment(first.id), (d) => d.state === 'paused', timeouts.rollout, showDeployment, (d) => SETTLED.includes(d.state));
    const verified = paused.timeline.filter((t) => t.evaluation?.outcome === 'pass').pop();
    if (verified) say(`health gate passed at 20 %: ${verified.evaluation!.reasons.join('; ') || 'healthy'}`);
    const promoted = await ok(
      'POST /v1/deployments/{id}/promote',
      deployer.POST('/v1/deployments/{id}/promote', { params: { path: { id: first.id } }, body: { reason: 'canary healthy at 20 %' } }),
    );
    say(`promoted: ${promoted.state}`);
    const canary = await until(`canary ${first.id} succeeded`, () => getDeployment(first.id), (d) => d.state === 'succeeded', timeouts.rollout, showDeployment, (d) => SETTLED.includes(d.state));
    await webhooks(first.id, EXPECTED_EVENTS.canary);
    // The next rollout plans from what inventory last observed running, so wait until it has seen this one settle.
    await inventoryShows(GOOD, 'running on every replica');

    // ── 5 ───────────────────────────────────────────────────────────────────────────────────────────
    step(5, `Deploy ${BAD}: its health gate fails and it rolls back by itself`);
    const next = await deploy({
      environmentId: envId,
      service: SERVICE,
      image: BAD,
      configVersion: configVersion.version,
      secretBindings: [SECRET_NAME],
      replicas: REPLICAS,
      strategy: { type: 'canary', steps: [{ setWeight: 20 }, { setWeight: 50 }] },
      healthGate: gate,
    });
    say(`deployment ${next.id} accepted (202): ${next.state}; where a rollback goes: r${next.previous?.revision} ${next.previous?.image}`);
    const unhealthy = await until(`deployment ${next.id} rolled back`, () => getDeployment(next.id), (d) => d.state === 'rolled_back', timeouts.rollout, showDeployment, (d) => SETTLED.includes(d.state) && d.state !== 'rolled_back');
    for (const line of timelineTail(unhealthy, 4)) say(`timeline: ${line}`);
    if (!unhealthy.timeline.some((t) => t.evaluation?.outcome === 'fail')) fail(`deployment ${next.id} rolled back without a failed gate judgement in its timeline`);
    await webhooks(next.id, EXPECTED_EVENTS.unhealthy);
    await inventoryShows(GOOD, 'running again');

    // ── 6 ───────────────────────────────────────────────────────────────────────────────────────────
    step(6, `Git declares ${FIXED}: drift, auto-remediation, resolved`);
    const revision = randomBytes(20).toString('hex');
    const desired = await ok(
      'PUT /v1/environments/{id}/desired-state',
      deployer.PUT('/v1/environments/{id}/desired-state', {
        params: { path: { id: envId } },
        body: { source: { repository: `https://git.example.com/${tenantId}/platform-config.git`, revision, path: 'envs/staging' }, services: [{ name: SERVICE, image: FIXED, replicas: REPLICAS }] },
      }),
    );
    say(`desired state ${desired.id} from ${desired.source.repository}@${revision.slice(0, 12)} recorded (current: ${desired.current}): ${desired.services.map((s) => `${s.name} ${s.image} ×${s.replicas}`).join(', ')}`);
    const reconcile = async () => ok('POST /v1/environments/{id}/reconcile', deployer.POST('/v1/environments/{id}/reconcile', { params: { path: { id: envId } } }));
    const queued = await reconcile();
    say(`reconciliation requested on demand: job ${queued.jobId} ${queued.state}`);
    const findImageDrift = async () => {
      const page = await ok('GET /v1/drift-findings', viewer.GET('/v1/drift-findings', { params: { query: { environmentId: envId, kind: 'image-mismatch' } } }));
      return page.items.find((f) => f.service === SERVICE && f.desired === FIXED);
    };
    const open = await until('an image-mismatch drift finding', findImageDrift, (f) => f !== undefined && f.reason !== null, timeouts.drift, (f) => (f ? `finding ${f.id}: ${f.state} ${f.kind}, desired ${f.desired}, actual ${f.actual}` : 'no finding yet'));
    const finding0 = open!;
    say(`why it waits: ${finding0.reason}`);
    for (const e of finding0.evidence) say(`evidence: ${e.signal} ${e.says}: ${e.detail}`);

    const policy = await ok(
      'PUT /v1/environments/{id}/remediation-policy',
      admin.PUT('/v1/environments/{id}/remediation-policy', { params: { path: { id: envId } }, body: { mode: 'auto', allow: ['redeploy', 'reapply'] } }),
    );
    say(`remediation policy: ${policy.mode}, allow ${policy.allow.join(', ')} (version ${policy.version})`);
    await reconcile();
    const remediating = await until(
      'a corrective deployment for the finding',
      async () => (await ok('GET /v1/drift-findings/{id}', viewer.GET('/v1/drift-findings/{id}', { params: { path: { id: finding0.id } } }))),
      (f) => f.attempts.some((a) => a.deploymentId !== null),
      timeouts.drift,
      (f) => `finding: ${f.state}${f.attempts.length ? `, attempt ${f.attempts[0].action} (${f.attempts[0].outcome})` : ''}${f.reason ? ` (${f.reason})` : ''}`,
      (f) => f.state === 'quarantined' || f.state === 'suppressed',
    );
    const correctiveId = remediating.attempts.find((a) => a.deploymentId !== null)!.deploymentId!;
    const corrective = await until(`corrective deployment ${correctiveId} succeeded`, () => getDeployment(correctiveId), (d) => d.state === 'succeeded', timeouts.rollout, showDeployment, (d) => SETTLED.includes(d.state));
    say(`corrective deployment: reason ${corrective.reason}, cause finding ${corrective.cause?.findingId}, by ${corrective.createdBy}`);
    // Resolved by the reconciliation that sees the desired image run (after inventory's next pull; nudged on demand).
    let nudged = Date.now();
    const finding = await until(
      `finding ${finding0.id} resolved`,
      async () => {
        if (Date.now() - nudged > 10_000) {
          nudged = Date.now();
          await reconcile();
        }
        return ok('GET /v1/drift-findings/{id}', viewer.GET('/v1/drift-findings/{id}', { params: { path: { id: finding0.id } } }));
      },
      (f) => f.state === 'resolved',
      timeouts.drift,
      (f) => `finding: ${f.state}${f.resolution ? ` (${f.resolution.how})` : ''}`,
      (f) => f.state === 'quarantined' || f.state === 'suppressed',
    );
    const drift = await ok('GET /v1/environments/{id}/drift', viewer.GET('/v1/environments/{id}/drift', { params: { path: { id: envId } } }));
    say(`environment drift: open ${drift.findings.open}, remediating ${drift.findings.remediating}; last reconciliation ${drift.lastReconciliation?.trigger ?? '-'} at ${drift.lastReconciledAt ?? '-'}`);
    await webhooks(finding0.id, EXPECTED_EVENTS.finding);

    // ── 7 ───────────────────────────────────────────────────────────────────────────────────────────
    step(7, 'What the webhook receiver got');
    const services = (await ok('GET /v1/environments/{id}/services', viewer.GET('/v1/environments/{id}/services', { params: { path: { id: envId } } }))).items;
    say(`inventory: ${services.map((i) => `${i.name} ${i.image} ${i.readyReplicas}/${i.replicas} ready`).join(', ')}`);
    const log2 = await ok('GET /v1/webhook-subscriptions/{id}/deliveries', viewer.GET('/v1/webhook-subscriptions/{id}/deliveries', { params: { path: { id: subscription.id }, query: { limit: 200 } } }));
    const byState = new Map<string, number>();
    for (const d of log2.items) byState.set(d.state, (byState.get(d.state) ?? 0) + 1);
    say(`delivery log (newest ${log2.items.length}): ${[...byState].map(([s, n]) => `${n} ${s}`).join(', ')}`);
    say(`receiver: ${receiver.events.length} events, ${receiver.events.reduce((n, e) => n + e.deliveries, 0)} deliveries, ${receiver.rejected.length} rejected signatures`);
    for (const e of receiver.events.filter((x) => /deployment-(succeeded|rolled-back)|drift-(detected|resolved)|environment-ready/.test(x.type))) {
      say(`  ${e.event.time}  ${e.type}  subject ${e.subject}`);
    }
    if (receiver.rejected.length) fail(`${receiver.rejected.length} deliveries did not verify: ${receiver.rejected.map((r) => r.error).join('; ')}`);
    log('');
    log(`✔ demo finished in ${elapsed(started)}: tenant ${tenantId}, environment ${envId}`);
    return { tenant, environment, secretBinding, configVersion, subscription, canary, unhealthy, finding, corrective, events: [...receiver.events], rejected: [...receiver.rejected], services };
  } catch (err) {
    if (err instanceof DemoError) throw err;
    throw new DemoError(stepName, (err as Error).message);
  } finally {
    if (!opts.receiver) await receiver.stop();
  }
}

/** Whether a received event is about `id`: its subject, or an id in its data (a configuration version names its environment). */
export function concerns(e: ReceivedEvent, id: string): boolean {
  return e.subject === id || Object.values(e.event.data).includes(id);
}

/** `409 precondition_failed: detail (reasons)` of a problem document, or the raw error. */
export function describeProblem(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const p = error as Problem;
    const extra = [...(p.reasons ?? []), ...(p.errors ?? []).map((e) => `${e.field} ${e.message}`)].filter((x) => !p.detail.includes(x));
    return `${p.code}: ${p.detail}${extra.length ? ` (${extra.join('; ')})` : ''}`;
  }
  return error === undefined ? 'no body' : JSON.stringify(error).slice(0, 300);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
