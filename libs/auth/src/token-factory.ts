import jwt from 'jsonwebtoken';
import { RoleName } from './roles';

export interface LocalTokenSpec {
  sub?: string;
  tenantId?: string;
  roles: RoleName[];
  projectIds?: string[];
  environmentId?: string;
  ttlSeconds?: number;
}

/** Signs an HS256 token the way the local strategy verifies it (used by `npm run token` and tests). */
export function signLocalToken(spec: LocalTokenSpec, secret: string, issuer = 'rcp', audience = 'rcp-api'): string {
  const claims: Record<string, unknown> = { roles: spec.roles };
  if (spec.tenantId) claims.tenant_id = spec.tenantId;
  if (spec.projectIds) claims.project_ids = spec.projectIds;
  if (spec.environmentId) claims.environment_id = spec.environmentId;
  return jwt.sign(claims, secret, {
    algorithm: 'HS256',
    subject: spec.sub ?? (spec.tenantId ? `user@${spec.tenantId}` : 'platform-operator'),
    issuer,
    audience,
    expiresIn: spec.ttlSeconds ?? 3600,
  });
}
