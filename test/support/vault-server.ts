import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A small server speaking the part of HashiCorp Vault's HTTP API the control plane uses, as Vault
 * documents it (https://developer.hashicorp.com/vault/api-docs): `GET /v1/auth/token/lookup-self`,
 * `GET /v1/<mount>/data/<path>` (KV v2), `GET /v1/auth/<mount>/role/<name>`, `GET /v1/sys/seal-status`,
 * with Vault's refusals: 403 `{"errors":["permission denied"]}` for a bad token or a path its policy
 * does not allow, 404 `{"errors":[]}` for a missing path, 503 `{"errors":["Vault is sealed"]}` when sealed.
 */
export class VaultTestServer {
  /** KV v2 secrets by `<mount>/<path>`: the current version's data (null: deleted). */
  readonly secrets = new Map<string, Record<string, string> | null>();
  /** Roles by `<auth mount>/<name>`. */
  readonly roles = new Set<string>();
  /** `<mount>/<path>` the token may not read. */
  readonly forbidden = new Set<string>();
  sealed = false;
  /** Every request, as `<METHOD> <path> <token>`: tests check the token was sent and no value went out. */
  readonly requests: string[] = [];
  private server?: Server;

  constructor(readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://vault').pathname;
    const token = String(req.headers['x-vault-token'] ?? '');
    this.requests.push(`${req.method} ${path} ${token}`);
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/v1/sys/seal-status') return send(200, { type: 'shamir', sealed: this.sealed, t: 1, n: 1, progress: 0 });
    if (this.sealed) return send(503, { errors: ['Vault is sealed'] });
    if (req.method !== 'GET') return send(405, { errors: [] });
    if (token !== this.token) return send(403, { errors: ['permission denied'] });
    if (path === '/v1/auth/token/lookup-self') {
      return send(200, { data: { accessor: 'acc', display_name: 'token-rcp', policies: ['default', 'rcp'], ttl: 3600, renewable: true } });
    }
    const role = /^\/v1\/auth\/([^/]+)\/role\/([^/]+)$/.exec(path);
    if (role) {
      const key = `${role[1]}/${decodeURIComponent(role[2])}`;
      return this.roles.has(key) ? send(200, { data: { bound_service_account_names: ['*'], token_policies: ['read-secrets'] } }) : send(404, { errors: [] });
    }
    const kv = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(path);
    if (kv) {
      const key = `${kv[1]}/${kv[2]}`;
      if (this.forbidden.has(key)) return send(403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
      if (!this.secrets.has(key)) return send(404, { errors: [] });
      const data = this.secrets.get(key)!;
      return send(200, {
        data: { data, metadata: { created_time: '2026-12-01T10:00:00Z', deletion_time: data ? '' : '2026-12-02T10:00:00Z', destroyed: false, version: 3 } },
      });
    }
    return send(404, { errors: [] });
  }
}
