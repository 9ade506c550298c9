import { startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

/**
 * The public contract (API.md, "Resources" and "Operations") against the served OpenAPI document: every
 * endpoint it names exists in `/docs-json` with its method, answers with the status the contract gives
 * it (201 for a create, 202 for long work, 200 otherwise), and documents 401 on every `/v1` route but the
 * agent enrollment redemption (whose bearer is the enrollment token itself, refused with 401 too).
 * Path parameters are compared by position, not by name.
 */
const CONTRACT: Array<[method: string, path: string, success: number]> = [
  ['post', '/v1/tenants', 201],
  ['get', '/v1/tenants', 200],
  ['get', '/v1/tenants/{}', 200],
  ['patch', '/v1/tenants/{}', 200],
  ['post', '/v1/tenants/{}/suspend', 200],
  ['post', '/v1/tenants/{}/reactivate', 200],
  ['post', '/v1/tenants/{}/offboard', 200],
  ['post', '/v1/environments', 202],
  ['get', '/v1/environments', 200],
  ['get', '/v1/environments/{}', 200],
  ['delete', '/v1/environments/{}', 202],
  ['get', '/v1/environments/{}/services', 200],
  ['put', '/v1/environments/{}/actual-state', 200],
  ['post', '/v1/environments/{}/config-versions', 201],
  ['get', '/v1/environments/{}/config-versions', 200],
  ['get', '/v1/environments/{}/config-versions/{}', 200],
  ['get', '/v1/environments/{}/config-versions/{}/diff', 200],
  ['post', '/v1/environments/{}/secret-bindings', 201],
  ['get', '/v1/environments/{}/secret-bindings', 200],
  ['delete', '/v1/environments/{}/secret-bindings/{}', 200],
  ['post', '/v1/deployments', 202],
  ['get', '/v1/deployments', 200],
  ['get', '/v1/deployments/{}', 200],
  ['post', '/v1/deployments/{}/promote', 202],
  ['post', '/v1/deployments/{}/rollback', 202],
  ['post', '/v1/deployments/{}/abort', 202],
  ['post', '/v1/deployments/{}/resume', 202],
  ['post', '/v1/environments/{}/health-reports', 200],
  ['get', '/v1/environments/{}/health', 200],
  ['put', '/v1/environments/{}/services/{}/scaling-policy', 200],
  ['post', '/v1/environments/{}/metrics', 200],
  ['get', '/v1/environments/{}/scaling-decisions', 200],
  ['put', '/v1/environments/{}/desired-state', 200],
  ['post', '/v1/environments/{}/reconcile', 202],
  ['put', '/v1/environments/{}/remediation-policy', 200],
  ['get', '/v1/drift-findings', 200],
  ['get', '/v1/drift-findings/{}', 200],
  ['post', '/v1/drift-findings/{}/remediate', 202],
  ['post', '/v1/drift-findings/{}/suppress', 200],
  ['get', '/v1/events', 200],
  ['post', '/v1/webhook-subscriptions', 201],
  ['get', '/v1/webhook-subscriptions', 200],
  ['get', '/v1/webhook-subscriptions/{}', 200],
  ['delete', '/v1/webhook-subscriptions/{}', 200],
  ['get', '/v1/webhook-subscriptions/{}/deliveries', 200],
  ['post', '/v1/webhook-subscriptions/{}/deliveries/{}/retry', 202],
  ['get', '/v1/event-catalog', 200],
  ['post', '/v1/environments/{}/agent-enrollments', 201],
  ['post', '/v1/agent-enrollments/redeem', 201],
  // A token exchange, as OAuth token endpoints answer it: 200 (no resource is created).
  ['post', '/v1/agent-tokens', 200],
  ['get', '/v1/environments/{}/agent-keys', 200],
  ['delete', '/v1/environments/{}/agent-keys/{}', 200],
  ['get', '/v1/jobs/{}', 200],
  ['get', '/v1/jobs', 200],
  ['get', '/v1/audit-log', 200],
  ['get', '/healthz', 200],
  ['get', '/readyz', 200],
  ['get', '/version', 200],
];

describe('The API.md contract in the OpenAPI document (e2e)', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('documents every endpoint of the contract with its method, its success status and 401', async () => {
    const doc = (await t.http().get('/docs-json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const byShape = new Map(Object.entries(doc.paths).map(([path, ops]) => [path.replace(/\{[^}]+\}/g, '{}'), ops]));
    const problems: string[] = [];
    for (const [method, path, success] of CONTRACT) {
      const op = byShape.get(path)?.[method];
      if (!op) {
        problems.push(`${method.toUpperCase()} ${path}: not in /docs-json`);
        continue;
      }
      const statuses = Object.keys(op.responses);
      if (!statuses.includes(String(success))) problems.push(`${method.toUpperCase()} ${path}: ${success} not documented (${statuses.join(', ')})`);
      const open = path === '/v1/event-catalog' || !path.startsWith('/v1/');
      if (!open && !statuses.includes('401')) problems.push(`${method.toUpperCase()} ${path}: 401 not documented`);
    }
    expect(problems).toEqual([]);
  });
});
