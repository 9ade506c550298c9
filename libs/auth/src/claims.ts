import { Actor } from '@rcp/observability';
import { CAPABILITY_FORMAT } from './capabilities';
import { ROLES, RoleName } from './roles';

/** The claims of a verified token, as they arrived: every one is checked by type before use. */
export interface RcpJwtClaims {
  sub?: unknown;
  tenant_id?: unknown;
  roles?: unknown;
  project_ids?: unknown;
  environment_id?: unknown;
  capabilities?: unknown;
  key_id?: unknown;
  exp?: unknown;
  iat?: unknown;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** More projects than this in one token is not a scope, it is a mistake. */
export const MAX_PROJECT_IDS = 100;
/** More capabilities than this in one agent token is not a capability set. */
export const MAX_CAPABILITIES = 64;

/**
 * Turns verified claims into an Actor, or explains why the token cannot act. Every claim is checked by
 * its JSON type and format, never coerced: a `tenant_id` given as `["acme"]` is not the tenant `acme`
 * (it would skip the lifecycle gate and land in the audit log as `{"acme"}`), and a `project_ids` of
 * `[]`, `"web"` or `[1]` is refused rather than read as "no project restriction".
 */
export function actorFromClaims(claims: RcpJwtClaims): Actor | string {
  const { sub, exp, iat, roles: rawRoles, tenant_id, project_ids, environment_id, capabilities, key_id } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return 'token has no sub (a string of 1 to 256 characters)';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'token has no exp';
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return 'token has a malformed iat';
  if (!Array.isArray(rawRoles) || rawRoles.length === 0) return 'token has no roles';
  if (!rawRoles.every((r) => typeof r === 'string' && (ROLES as readonly string[]).includes(r))) return 'token has an unknown role';
  const roles = [...new Set(rawRoles as RoleName[])];
  if (tenant_id !== undefined && (typeof tenant_id !== 'string' || !SLUG.test(tenant_id))) return 'token has a malformed tenant_id (a tenant id string)';
  let projectIds: string[] | undefined;
  if (project_ids !== undefined) {
    if (!Array.isArray(project_ids) || project_ids.length === 0 || project_ids.length > MAX_PROJECT_IDS || !project_ids.every((p) => typeof p === 'string' && SLUG.test(p))) {
      return `token has malformed project_ids (a non-empty array of at most ${MAX_PROJECT_IDS} project id strings)`;
    }
    projectIds = [...new Set(project_ids as string[])];
  }
  if (environment_id !== undefined && (typeof environment_id !== 'string' || !UUID.test(environment_id))) return 'token has a malformed environment_id (a UUID string)';
  const tenantId = tenant_id ?? null;
  const platform = roles.some((r) => r.startsWith('platform:'));
  const tenantScoped = roles.some((r) => r.startsWith('tenant:') || r === 'agent');
  if (platform && tenantId) return 'platform roles cannot carry a tenant_id';
  if (tenantScoped && !tenantId) return 'tenant roles need a tenant_id';
  if (platform && tenantScoped) return 'a token is either platform or tenant scoped';
  const isAgent = roles.includes('agent');
  if (isAgent && (roles.length > 1 || environment_id === undefined)) return 'agent tokens carry only the agent role and an environment_id';
  if (!isAgent && (capabilities !== undefined || key_id !== undefined)) return 'only agent tokens carry capabilities or a key_id';
  if (capabilities !== undefined && (!Array.isArray(capabilities) || capabilities.length > MAX_CAPABILITIES || !capabilities.every((c) => typeof c === 'string' && CAPABILITY_FORMAT.test(c)))) {
    return `token has malformed capabilities (an array of at most ${MAX_CAPABILITIES} capability strings such as "report:health")`;
  }
  if (key_id !== undefined && (typeof key_id !== 'string' || !UUID.test(key_id))) return 'token has a malformed key_id (a UUID string)';
  return {
    sub,
    kind: isAgent ? 'agent' : 'user',
    tenantId,
    roles,
    projectIds,
    environmentId: isAgent ? environment_id : undefined,
    // An agent token without the claim holds no capability: it can reach no agent endpoint.
    ...(isAgent ? { capabilities: [...new Set((capabilities as string[] | undefined) ?? [])] } : {}),
    ...(typeof key_id === 'string' ? { agentKeyId: key_id } : {}),
  };
}
