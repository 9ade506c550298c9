import { createParamDecorator, ExecutionContext, SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { Actor } from '@rcp/observability';
import { registerAgentCapability } from './capabilities';
import { RoleName } from './roles';

export const PUBLIC_KEY = 'rcp:public';
export const ROLES_KEY = 'rcp:roles';
export const AGENT_ENV_PARAM_KEY = 'rcp:agent-env-param';
export const AGENT_CAPABILITY_KEY = 'rcp:agent-capability';
export const AUDIT_KEY = 'rcp:audit';
export const TENANT_GATE_KEY = 'rcp:tenant-gate';

/** No token needed (health, metrics, docs, the executor callback that has its own HMAC). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Who may call an endpoint. `environmentParam` names the route parameter that an `agent` token's
 * `environment_id` must equal: agents reach only their own environment's report endpoints.
 * `capability` is what an agent token must hold to call it (`report:health`); an endpoint open to
 * agents must name one, and naming it makes it a capability keys can be issued with.
 */
export function Authorize(roles: RoleName[], opts: { environmentParam?: string; capability?: string } = {}) {
  if (roles.includes('agent') && (!opts.capability || !opts.environmentParam)) {
    throw new Error('An endpoint open to agents names the capability it needs and the route parameter of its environment');
  }
  if (opts.capability) registerAgentCapability(opts.capability);
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    SetMetadata(AGENT_ENV_PARAM_KEY, opts.environmentParam),
    SetMetadata(AGENT_CAPABILITY_KEY, opts.capability),
    ApiBearerAuth('bearer'),
  );
}

/** Names the audited action and target type of a mutating endpoint, for allowed and denied calls alike. */
export const Audited = (action: string, targetType: string, targetParam?: string) => SetMetadata(AUDIT_KEY, { action, targetType, targetParam });

/**
 * Marks an endpoint that a suspended or offboarded tenant may still use (e.g. tenancy's own lifecycle
 * endpoints called by platform tokens are not tenant-gated at all). Default: gated.
 */
export const SkipTenantGate = () => SetMetadata(TENANT_GATE_KEY, false);

/** The authenticated principal of the request. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  return ctx.switchToHttp().getRequest<{ user: Actor }>().user;
});
