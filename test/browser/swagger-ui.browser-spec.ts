import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Browser, chromium, Page } from 'playwright-core';
import { signLocalToken } from '@rcp/auth';
import { eventually, startTestApp } from '@rcp/testing';

/**
 * Swagger UI in a real browser (Debian's chromium, driven by playwright-core): the page at /docs renders
 * under its strict CSP with no console error, a bearer token entered in the Authorize dialog is sent by
 * "Try it out", and the live response is what the server answered. Leaves a screenshot for the README
 * in docs/img/swagger-ui.png. Run it with `npm run test:browser`.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'img', 'swagger-ui.png');
const STEP_MS = 15_000;
const SUBJECT = 'swagger-ui@platform';
const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };

/** The server's log lines (JSON), to see what it received. */
class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** Reported by the page itself (a CSP violation is also logged to the console, but this names it). */
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) =>
  window.__rcpCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`;

jest.setTimeout(60_000);

describe('Swagger UI in a browser', () => {
  const logs = new LogLines();
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let base: string;
  let token: string;
  let listOperationId: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const cspViolations: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    const [app, launched] = await Promise.all([
      startTestApp({ LOG_LEVEL: 'info' }, undefined, { logDestination: logs }),
      chromium.launch({
        executablePath: CHROMIUM,
        timeout: STEP_MS,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
      }),
    ]);
    t = app;
    browser = launched;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    token = signLocalToken({ roles: ['platform:admin'], sub: SUBJECT }, t.settings.JWT_SECRET, t.settings.JWT_ISSUER, t.settings.JWT_AUDIENCE);
    // A tenant for the list to show (onboarded outside the browser, by another platform admin).
    const admin = t.token({ roles: ['platform:admin'], sub: 'ops@platform' });
    await t.http().post('/v1/tenants').set('authorization', `Bearer ${admin}`).send({ id: 'acme', displayName: 'Acme Corp', isolationMode: 'pooled', quotas }).expect(201);
    const doc = await t.http().get('/docs-json').expect(200);
    listOperationId = doc.body.paths['/v1/tenants'].get.operationId;

    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(STEP_MS);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
    page.on('requestfailed', (r) => failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    await page.exposeFunction('__rcpCspViolation', (v: string) => cspViolations.push(v));
    await page.addInitScript({ content: CSP_LISTENER });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders the API title and its operation groups from local files, under the CSP', async () => {
    const res = await page.goto(`${base}/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.locator('.swagger-ui .info .title').textContent()).resolves.toContain('Runtime Control Plane API');
    await page.locator('.opblock-tag-section').first().waitFor();
    const tags = await page.locator('.opblock-tag-section h3.opblock-tag').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
    expect(tags).toEqual(expect.arrayContaining(['Tenancy', 'Inventory', 'Configuration', 'Deployment', 'Events', 'Operations']));
    await page.locator(`#operations-Tenancy-${listOperationId}`).waitFor();
    // Every file the page loaded came from this server.
    const origins = await page.evaluate(`[...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).origin))]`);
    expect(origins).toEqual([base]);
  });

  it('authorizes with a bearer token through the Authorize dialog', async () => {
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    const scheme = dialog.locator('.auth-container').filter({ has: page.locator('h4 code', { hasText: /^bearer$/ }) });
    await scheme.getByLabel('auth-bearer-value').fill(token);
    await scheme.getByRole('button', { name: 'Apply credentials' }).click();
    // Authorized: the value is masked and "Logout" replaces "Authorize".
    await scheme.locator('h6', { hasText: /^Authorized$/ }).waitFor();
    await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await scheme.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.auth-wrapper button.authorize.locked').waitFor();
  });

  it('runs GET /v1/tenants with "Try it out": the token reaches the server and the live response is its answer', async () => {
    const op = page.locator(`#operations-Tenancy-${listOperationId}`);
    await op.locator('.opblock-summary-control').click();
    await op.locator('button.try-out__btn').click();
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'GET' && new URL(r.url()).pathname === '/v1/tenants'),
      op.locator('button.execute').click(),
    ]);
    const sent = await request.allHeaders();
    expect(sent.authorization).toBe(`Bearer ${token}`);
    const response = await request.response();
    expect(response?.status()).toBe(200);

    const live = op.locator('.live-responses-table tr.response');
    await expect(live.locator('td.response-col_status').textContent()).resolves.toBe('200');
    const shown = JSON.parse((await live.locator('.highlight-code pre code').textContent()) ?? '');
    const expected = await t.http().get('/v1/tenants').set('authorization', `Bearer ${token}`).expect(200);
    expect(shown).toEqual(expected.body);
    expect(shown.items).toEqual([expect.objectContaining({ id: 'acme', displayName: 'Acme Corp', state: 'active' })]);
    await expect(op.locator('.curl-command').textContent()).resolves.toContain(`Authorization: Bearer ${token}`);

    // The server logged that very request (the correlation id the UI shows) as made by this token's subject.
    const headers = (await live.locator('.headerline').allTextContents()).map((h) => h.trim());
    const correlationId = headers.find((h) => h.startsWith('x-correlation-id:'))?.split(':')[1].trim();
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    // (The line is written when the response has been sent, so it may trail the browser by a moment.)
    const served = await eventually(async () => {
      const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.correlationId === correlationId && l.msg === 'request completed');
      return lines.length > 0 && lines;
    }, 5_000, 25, `the server's log line of request ${correlationId}`);
    expect(served).toEqual([expect.objectContaining({ actor: SUBJECT, req: expect.objectContaining({ method: 'GET', url: '/v1/tenants' }), res: { statusCode: 200 } })]);

    // A screenshot for the README: from the title down to the live response.
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    const box = await live.boundingBox();
    const scrollY = Number(await page.evaluate('window.scrollY'));
    expect(box).not.toBeNull();
    await page.screenshot({ path: SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box!.y + scrollY + box!.height + 24) } });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(width).toBe(1280);
    expect(height).toBeGreaterThan(800);
    expect(height).toBeLessThan(8000);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(30_000);
    expect(statSync(SCREENSHOT).size).toBeLessThan(5_000_000);
  });

  it('saw no console error, CSP violation or failed request on the way', () => {
    expect({ consoleErrors, cspViolations, failedRequests }).toEqual({ consoleErrors: [], cspViolations: [], failedRequests: [] });
  });
});
