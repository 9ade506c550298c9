import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Actor } from '@rcp/observability';
import { ROLES, RoleName } from './roles';

export interface RcpJwtClaims {
  sub?: string;
  tenant_id?: string;
  roles?: unknown;
  project_ids?: unknown;
  environment_id?: string;
  exp?: number;
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Turns verified claims into an Actor, or explains why the token cannot act. */
export function actorFromClaims(claims: RcpJwtClaims): Actor | string {
  if (!claims.sub || typeof claims.sub !== 'string') return 'token has no sub';
  if (typeof claims.exp !== 'number') return 'token has no exp';
  if (!Array.isArray(claims.roles) || claims.roles.length === 0) return 'token has no roles';
  const roles = claims.roles.filter((r): r is RoleName => (ROLES as readonly string[]).includes(r as string));
  if (roles.length !== claims.roles.length) return 'token has an unknown role';
  const tenantId = claims.tenant_id ?? null;
  if (tenantId !== null && !TENANT_ID.test(tenantId)) return 'token has a malformed tenant_id';
  const platform = roles.some((r) => r.startsWith('platform:'));
  const tenantScoped = roles.some((r) => r.startsWith('tenant:') || r === 'agent');
  if (platform && tenantId) return 'platform roles cannot carry a tenant_id';
  if (tenantScoped && !tenantId) return 'tenant roles need a tenant_id';
  if (platform && tenantScoped) return 'a token is either platform or tenant scoped';
  const isAgent = roles.includes('agent');
  if (isAgent && (roles.length > 1 || !claims.environment_id)) return 'agent tokens carry only the agent role and an environment_id';
  const projectIds = Array.isArray(claims.project_ids) ? claims.project_ids.filter((p): p is string => typeof p === 'string') : undefined;
  return {
    sub: claims.sub,
    kind: isAgent ? 'agent' : 'user',
    tenantId,
    roles,
    projectIds: projectIds?.length ? projectIds : undefined,
    environmentId: isAgent ? claims.environment_id : undefined,
  };
}

/**
 * passport-jwt strategy: HS256 with `JWT_SECRET` locally, RS256 against `JWT_JWKS_URI` in production
 * (keys cached, refetched on an unknown `kid`, rate limited). `iss`, `aud` and `exp` are required.
 * The HS256 secret is handed over as a KeyObject: given a string, jsonwebtoken re-parses it into a key
 * on every request, which was the largest CPU cost of an authenticated call.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(SETTINGS_TOKEN) settings: Settings) {
    const jwks = settings.JWT_JWKS_URI;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      issuer: settings.JWT_ISSUER,
      audience: settings.JWT_AUDIENCE,
      algorithms: jwks ? ['RS256'] : ['HS256'],
      ...(jwks
        ? { secretOrKeyProvider: passportJwtSecret({ jwksUri: jwks, cache: true, cacheMaxAge: 600_000, rateLimit: true, jwksRequestsPerMinute: 10 }) }
        : { secretOrKey: createSecretKey(Buffer.from(settings.JWT_SECRET, 'utf8')) as unknown as string }),
    });
  }

  validate(claims: RcpJwtClaims): Actor {
    const actor = actorFromClaims(claims);
    if (typeof actor === 'string') throw new InvalidClaimsError(actor);
    return actor;
  }
}

export class InvalidClaimsError extends Error {}
