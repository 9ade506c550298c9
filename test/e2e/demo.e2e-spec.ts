import { readFileSync } from 'node:fs';
import { freePort, startTestApp } from '@rcp/testing';
import { concerns, DemoResult, runDemo } from '../../scripts/demo/scenario';
import { loadOpenApiClientModule } from '../support/openapi-typescript';
import { demoTestSettings } from '../support/demo-settings';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(120_000);

/**
 * `npm run demo`'s scenario (scripts/demo/scenario.ts), exactly as the demo runs it, against the real
 * application listening on a port: every call through the openapi-fetch client typed by the generated
 * scripts/demo/rcp-api.d.ts, and every response it gets checked against the served /docs-json. Only
 * the timers are faster (pulls, gate judgements and the drift debounce every second).
 */
describe('npm run demo (e2e)', () => {
  let t: App;
  let result: DemoResult;
  const lines: string[] = [];
  const contractFindings: string[] = [];
  let calls = 0;

  /** fetch, with each response checked against the document the app serves (as TestApp.http() does). */
  const checkedFetch = async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    calls += 1;
    const headers = Object.fromEntries(response.headers.entries());
    contractFindings.push(...t.responses!.problems(request.method, request.url, { status: response.status, headers, body, text }));
    return response;
  };

  beforeAll(async () => {
    t = await startTestApp(demoTestSettings());
    const port = await freePort();
    await t.app.listen(port, '127.0.0.1');
    result = await runDemo({
      baseUrl: `http://127.0.0.1:${port}`,
      mint: (spec) => t.token(spec),
      log: (line) => lines.push(line),
      pollMs: 200,
      timeouts: { environment: 20_000, rollout: 45_000, drift: 45_000, webhook: 20_000 },
      healthGate: { minHealthySeconds: 1, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 },
      fetch: checkedFetch,
    }).catch((err: Error & { step?: string }) => {
      throw new Error(`the demo failed at "${err.step}": ${err.message}\n${lines.join('\n')}`);
    });
  });
  afterAll(() => t?.close());

  it('onboards a tenant and provisions its environment to ready', () => {
    expect(result.tenant).toMatchObject({ id: expect.stringMatching(/^demo-[0-9a-f]{8}$/), state: 'active', isolationMode: 'pooled' });
    expect(result.environment).toMatchObject({ tenantId: result.tenant.id, state: 'ready', name: 'web-staging', projectId: 'web' });
  });

  it('binds an inline secret that is resolvable and never returned, and publishes a configuration version that uses it', () => {
    expect(result.secretBinding).toMatchObject({ name: 'DB_PASSWORD', provider: 'inline', status: 'resolvable' });
    expect(JSON.stringify(result.secretBinding)).not.toMatch(/"value"/);
    expect(result.configVersion).toMatchObject({ version: 1, service: 'checkout', secretRefs: ['DB_PASSWORD'], checksum: expect.stringMatching(/^sha256:|^[0-9a-f]{64}$/) });
  });

  it('promotes a canary that passed its health gate at 20 % to success', () => {
    const canary = result.canary;
    expect(canary).toMatchObject({ state: 'succeeded', weight: 100, reason: 'deploy', release: { image: 'registry.example/checkout:1.1.0', configVersion: 1, secretBindings: ['DB_PASSWORD'] } });
    expect(canary.previous).toMatchObject({ image: 'registry.example/checkout:1.0.0' });
    expect(canary.strategy).toEqual({ type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] });
    const states = canary.timeline.map((e) => e.state);
    expect(states).toEqual(expect.arrayContaining(['progressing', 'verifying', 'paused', 'succeeded']));
    expect(canary.timeline.some((e) => e.evaluation?.outcome === 'pass')).toBe(true);
  });

  it('rolls an unhealthy revision back by itself to the last succeeded one', () => {
    const bad = result.unhealthy;
    expect(bad).toMatchObject({ state: 'rolled_back', release: { image: 'registry.example/checkout:1.2.0-unhealthy' }, previous: { image: 'registry.example/checkout:1.1.0', revision: result.canary.revision } });
    expect(bad.timeline.some((e) => e.evaluation?.outcome === 'fail')).toBe(true);
    expect(bad.timeline.map((e) => e.state)).toEqual(expect.arrayContaining(['rolling_back', 'rolled_back']));
  });

  it('turns the desired state from Git into a finding that auto-remediation resolves with a corrective deployment', () => {
    expect(result.finding).toMatchObject({
      state: 'resolved',
      kind: 'image-mismatch',
      service: 'checkout',
      desired: 'registry.example/checkout:1.2.1',
      actual: 'registry.example/checkout:1.1.0',
      resolution: { how: `remediated by deployment ${result.corrective.id}` },
    });
    expect(result.finding.attempts[0]).toMatchObject({ automatic: true, deploymentId: result.corrective.id, outcome: 'succeeded' });
    expect(result.corrective).toMatchObject({ state: 'succeeded', reason: 'drift-remediation', cause: { findingId: result.finding.id }, release: { image: 'registry.example/checkout:1.2.1' } });
    expect(result.services).toEqual([expect.objectContaining({ name: 'checkout', image: 'registry.example/checkout:1.2.1', readyReplicas: 2 })]);
  });

  it('delivers every step\'s events to the local receiver, each with a valid Standard Webhooks signature', () => {
    expect(result.rejected).toEqual([]);
    const of = (id: string) => result.events.filter((e) => concerns(e, id)).map((e) => e.type);
    expect(of(result.environment.id)).toEqual(expect.arrayContaining(['rcp.inventory.environment-requested.v1', 'rcp.inventory.environment-ready.v1', 'rcp.configuration.config-version-published.v1']));
    expect(of(result.secretBinding.id)).toContain('rcp.configuration.secret-binding-created.v1');
    expect(of(result.canary.id)).toEqual(expect.arrayContaining(['rcp.deployment.deployment-created.v1', 'rcp.deployment.deployment-paused.v1', 'rcp.deployment.deployment-promoted.v1', 'rcp.deployment.deployment-succeeded.v1']));
    expect(of(result.unhealthy.id)).toEqual(expect.arrayContaining(['rcp.deployment.deployment-rollback-started.v1', 'rcp.deployment.deployment-rolled-back.v1']));
    expect(of(result.finding.id)).toEqual(expect.arrayContaining(['rcp.drift.drift-detected.v1', 'rcp.drift.remediation-requested.v1', 'rcp.drift.drift-resolved.v1']));
    for (const e of result.events) expect(e.event).toMatchObject({ specversion: '1.0', id: e.webhookId, tenantid: result.tenant.id });
  });

  it('is typed by the very types openapi-typescript generates from the served /docs-json', async () => {
    const { CLIENT_TYPES_FILE, generateClientTypes } = loadOpenApiClientModule();
    const served: Record<string, unknown> = { ...t.responses!.document };
    expect((await generateClientTypes(served)) === readFileSync(CLIENT_TYPES_FILE, 'utf8')).toBe(true);
  });

  it('prints every step, and gets only responses the served OpenAPI document describes', () => {
    expect(lines.filter((l) => l.startsWith('▶')).map((l) => l.replace(/\s+\(\+.*$/, '').replace(/demo-[0-9a-f]{8}/, 'demo-*'))).toEqual([
      '▶ 1/7 Onboard tenant demo-* and subscribe a webhook receiver',
      '▶ 2/7 Request an environment and wait until the data plane has provisioned it',
      '▶ 3/7 Bind a secret and publish a configuration version that uses it',
      '▶ 4/7 Deploy registry.example/checkout:1.0.0, then registry.example/checkout:1.1.0 as a canary (20 %, pause) promoted to success',
      '▶ 5/7 Deploy registry.example/checkout:1.2.0-unhealthy: its health gate fails and it rolls back by itself',
      '▶ 6/7 Git declares registry.example/checkout:1.2.1: drift, auto-remediation, resolved',
      '▶ 7/7 What the webhook receiver got',
    ]);
    expect(lines[lines.length - 1]).toMatch(/^✔ demo finished/);
    expect(calls).toBeGreaterThan(20);
    expect(contractFindings).toEqual([]);
  });
});
