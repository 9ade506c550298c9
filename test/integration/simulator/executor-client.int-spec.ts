import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';

/**
 * The shared executor client's reads (what the pull of actual state uses) against an executor at its
 * worst: each misbehaviour ends in a fixed phrase for the tenant, and the detail, redacted, in the log.
 */
describe('ExecutorClient.read against a misbehaving executor', () => {
  let server: Server;
  let base: string;
  const warnings: string[] = [];
  const client = () => new ExecutorClient(() => ({ url: base, secret: 'client-secret', timeoutMs: 500 }), (m) => warnings.push(m));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/ok')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ signed: Boolean(req.headers['x-rcp-signature']) }));
      if (path.startsWith('/moved')) return res.writeHead(307, { location: 'http://10.1.2.3:8080/steal' }).end();
      if (path.startsWith('/garbage')) return res.writeHead(200).end('<html>not json</html>');
      if (path.startsWith('/huge')) return res.writeHead(200).end(`"${'x'.repeat(100 * 1024)}"`);
      if (path.startsWith('/leaky')) return res.writeHead(502).end('upstream http://internal.example:9000/admin?token=client-secret failed');
      // /slow: never answers
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('reads a signed answer as JSON', async () => {
    await expect(client().read('/ok', 'ok')).resolves.toEqual({ signed: true });
  });

  it.each([
    ['/moved', 'executor returned HTTP 307 (redirects are not followed)'],
    ['/garbage', 'executor response invalid'],
    ['/huge', 'executor response invalid'],
    ['/leaky', 'executor returned HTTP 502'],
    ['/slow', 'executor timed out'],
  ])('%s ends in "%s"', async (path, phrase) => {
    await expect(client().read(path, 'state')).rejects.toEqual(new ExecutorUnavailableError(phrase));
  });

  it('keeps addresses and the secret out of the log', async () => {
    warnings.length = 0;
    await client().read('/moved', 'state').catch(() => undefined);
    await client().read('/leaky', 'state').catch(() => undefined);
    const log = warnings.join('\n');
    expect(log).toContain('executor returned HTTP 307');
    expect(log).toContain('executor returned HTTP 502');
    expect(log).not.toMatch(/10\.1\.2\.3|internal\.example|client-secret/);
  });

  it('refuses to call an executor that is not configured', async () => {
    const unconfigured = new ExecutorClient(() => ({ url: '', secret: '', timeoutMs: 500 }), () => undefined);
    await expect(unconfigured.read('/ok', 'state')).rejects.toEqual(new ExecutorUnavailableError('executor not configured'));
  });
});
