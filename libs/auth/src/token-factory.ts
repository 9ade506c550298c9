import jwt from 'jsonwebtoken';
import { knownAgentCapabilities } from './capabilities';
import { RoleName } from './roles';

export interface LocalTokenSpec {
  sub?: string;
  tenantId?: string;
  roles: RoleName[];
  projectIds?: string[];
  environmentId?: string;
  /** An agent token's capabilities; default: every known one. */
  capabilities?: string[];
  ttlSeconds?: number;
}

/**
 * The `sub` of a token minted without `--sub`: it names who acts, for the audit log. An agent token
 * names its environment (`agent:<environmentId>`), a tenant token `user@<tenant>`, a platform token
 * `platform-operator`.
 */
export function defaultSubject(spec: Pick<LocalTokenSpec, 'tenantId' | 'roles' | 'environmentId'>): string {
  if (spec.roles.includes('agent') && spec.environmentId) return `agent:${spec.environmentId}`;
  return spec.tenantId ? `user@${spec.tenantId}` : 'platform-operator';
}

/** Signs an HS256 token the way the local strategy verifies it (used by `npm run token` and tests). */
export function signLocalToken(spec: LocalTokenSpec, secret: string, issuer = 'rcp', audience = 'rcp-api'): string {
  const claims: Record<string, unknown> = { roles: spec.roles };
  if (spec.tenantId) claims.tenant_id = spec.tenantId;
  if (spec.projectIds) claims.project_ids = spec.projectIds;
  if (spec.environmentId) claims.environment_id = spec.environmentId;
  if (spec.roles.includes('agent')) claims.capabilities = spec.capabilities ?? knownAgentCapabilities();
  return jwt.sign(claims, secret, {
    algorithm: 'HS256',
    subject: spec.sub ?? defaultSubject(spec),
    issuer,
    audience,
    expiresIn: spec.ttlSeconds ?? 3600,
  });
}
