import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate authority and a server certificate it signed, for `*.vault.azure.net`, `localhost` and 127.0.0.1 (made with openssl). */
export function testCertificates(): { caFile: string; ca: string; key: string; cert: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rcp-kv-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rcp-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=vault.azure.net', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:*.vault.azure.net,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'ext.cnf');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { caFile: join(dir, 'ca.pem'), ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface StoredSecret {
  value: string;
  version: string;
  enabled: boolean;
}

/**
 * A small HTTPS server speaking the parts of Azure Key Vault and Entra ID the control plane's clients
 * use, as Microsoft documents them: OpenID discovery and the client-credentials token endpoint
 * (`/<tenant>/v2.0/.well-known/openid-configuration`, `/<tenant>/oauth2/v2.0/token`), and Key Vault's
 * Get Secret (`GET /secrets/<name>[/<version>]?api-version=…`) with its bearer challenge (401 with
 * `WWW-Authenticate: Bearer authorization=…, resource=…`), `SecretNotFound` (404) and `Forbidden` (403).
 */
export class KeyVaultTestServer {
  /** Secrets by `<vault host>/<name>`. */
  readonly secrets = new Map<string, StoredSecret>();
  /** `<vault host>/<name>` the control plane's identity may not get. */
  readonly forbidden = new Set<string>();
  readonly requests: string[] = [];
  private server?: Server;
  private port = 0;
  private readonly tokens = new Set<string>();

  constructor(
    private readonly tls: { key: string; cert: string },
    readonly tenantId: string,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  async start(): Promise<{ authorityHost: string; connectTo: string }> {
    this.server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return { authorityHost: `https://localhost:${this.port}`, connectTo: `127.0.0.1:${this.port}` };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', `https://${host}`);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => resolve(text));
    });
    this.requests.push(`${req.method} ${host}${url.pathname}`);
    const send = (status: number, payload: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };
    const authority = `https://localhost:${this.port}/${this.tenantId}`;

    if (url.pathname === `/${this.tenantId}/v2.0/.well-known/openid-configuration`) {
      return send(200, {
        issuer: `${authority}/v2.0`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
    }
    if (url.pathname === `/${this.tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
        return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
      }
      const token = `kv-access-token-${this.tokens.size + 1}`;
      this.tokens.add(token);
      return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }
    const secret = /^\/secrets\/([0-9A-Za-z-]+)(?:\/([0-9a-f]{32}))?\/?$/.exec(url.pathname);
    if (secret && req.method === 'GET' && host.endsWith('.vault.azure.net')) {
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
        return send(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
          'www-authenticate': `Bearer authorization="${authority}", resource="https://vault.azure.net"`,
        });
      }
      const key = `${host}/${secret[1]}`;
      if (this.forbidden.has(key)) {
        return send(403, { error: { code: 'Forbidden', message: `The user, group or application does not have secrets get permission on key vault '${host}'.`, innererror: { code: 'AccessDenied' } } });
      }
      const stored = this.secrets.get(key);
      if (!stored || (secret[2] && secret[2] !== stored.version)) {
        return send(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${secret[1]} was not found in this key vault.` } });
      }
      return send(200, {
        value: stored.value,
        id: `https://${host}/secrets/${secret[1]}/${stored.version}`,
        attributes: { enabled: stored.enabled, created: 1764000000, updated: 1764000000, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
        tags: {},
      });
    }
    return send(404, { error: { code: 'NotFound', message: 'no such route' } });
  }
}
