/**
 * `npm run -s token -- --tenant acme --role tenant:admin [--role …] [--env <environmentId>]
 *  [--project <id> …] [--capability <c> …] [--sub <name>] [--ttl 1h|30m|3600]`
 *
 * Prints a local HS256 token (and nothing else) signed with JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE from
 * the environment or `.env`, with the same defaults as the server; without JWT_SECRET it signs with the
 * secret the server keeps in JWT_SECRET_FILE (creating it if the server has not started yet). Without
 * `--tenant` it is a platform token (e.g. `--role platform:admin`); an agent token's default `sub` is
 * `agent:<environmentId>`, and it holds every capability of today's agent endpoints unless `--capability`
 * names fewer (a runtime agent gets its own credential by enrollment: README, "Runtime agents"). The claims and the lifetime are checked with the server's own rules before
 * signing, so a token this prints is one the API accepts (unless the server verifies RS256 via JWKS).
 */
import { config as loadDotenv } from 'dotenv';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { actorFromClaims, BASE_AGENT_CAPABILITIES, RcpJwtClaims, RoleName, ROLES, signLocalToken } from '@rcp/auth';
import { loadSettings, resolveJwtSecret, SettingsError } from '@rcp/config';

const USAGE = `usage: npm run -s token -- [--tenant <id>] --role <role> [--role <role> …] [--env <environmentId>]
                            [--project <id> …] [--capability <c> …] [--sub <name>] [--ttl 1h|30m|3600]
roles: ${ROLES.join(', ')}
agent capabilities: ${BASE_AGENT_CAPABILITIES.join(', ')}`;

class UsageError extends Error {}

/** `3600`, `3600s`, `30m`, `1h`, `2d` → seconds. */
function parseTtl(text: string): number {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--ttl ${text} is not a duration such as 3600, 30m, 1h or 1d`);
  const seconds = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > 30 * 86400) throw new UsageError('--ttl must be between 1 second and 30 days');
  return seconds;
}

function main(argv: string[]): string {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      tenant: { type: 'string' },
      role: { type: 'string', multiple: true },
      env: { type: 'string' },
      project: { type: 'string', multiple: true },
      capability: { type: 'string', multiple: true },
      sub: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const roles = values.role ?? [];
  if (roles.length === 0) throw new UsageError('at least one --role is required');
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new UsageError(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);

  const ttlSeconds = values.ttl ? parseTtl(values.ttl) : 3600;
  const spec = {
    tenantId: values.tenant,
    roles: roles as RoleName[],
    environmentId: values.env,
    projectIds: values.project,
    capabilities: values.capability,
    sub: values.sub,
    ttlSeconds,
  };
  // The server's own rules (platform vs tenant roles, agents need --env, tenant id format).
  const problem = actorFromClaims({
    sub: spec.sub ?? 'check',
    tenant_id: spec.tenantId,
    roles: spec.roles,
    project_ids: spec.projectIds,
    environment_id: spec.environmentId,
    capabilities: spec.capabilities,
    exp: 1,
  } satisfies RcpJwtClaims);
  if (typeof problem === 'string') throw new UsageError(`the API would refuse this token: ${problem}`);

  loadDotenv({ quiet: true } as never);
  const loaded = loadSettings();
  if (ttlSeconds > loaded.JWT_MAX_TTL_SECONDS) throw new UsageError(`--ttl is longer than JWT_MAX_TTL_SECONDS (${loaded.JWT_MAX_TTL_SECONDS} s): the API would refuse the token`);
  const settings = resolveJwtSecret({ ...loaded, JWT_JWKS_URI: '' }).settings;
  if (loaded.JWT_JWKS_URI) process.stderr.write('token: note JWT_JWKS_URI is set, so the server verifies RS256 tokens and will refuse this HS256 one\n');
  const token = signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE);
  jwt.verify(token, settings.JWT_SECRET, { algorithms: ['HS256'], issuer: settings.JWT_ISSUER, audience: settings.JWT_AUDIENCE });
  return token;
}

try {
  process.stdout.write(`${main(process.argv.slice(2))}\n`);
} catch (err) {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`token: ${(err as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exit(err instanceof SettingsError ? 78 : 2);
}
