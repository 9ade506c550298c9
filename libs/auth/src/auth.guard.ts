import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Actor, RequestContexts } from '@rcp/observability';
import { ProblemException } from '@rcp/http';
import { AgentKeyStatus } from './agent-key-status';
import { AGENT_CAPABILITY_KEY, AGENT_ENV_PARAM_KEY, AUDIT_KEY, PUBLIC_KEY, ROLES_KEY, TENANT_GATE_KEY } from './decorators';
import { RoleName } from './roles';
import { TenantLifecycleGate } from './tenant-gate';
import { bearerToken, TokenVerifier } from './token-verifier';

export interface AuditMeta {
  action: string;
  targetType: string;
  targetParam?: string;
}

interface RcpRequest {
  method: string;
  headers: Record<string, unknown>;
  user?: Actor;
  params?: Record<string, string>;
  rcpAudit?: AuditMeta;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the decorators of one route declare to the guard, read once per route rather than per request. */
interface RouteAuth {
  audit?: AuditMeta;
  public: boolean;
  roles?: RoleName[];
  agentEnvParam?: string;
  agentCapability?: string;
  gated: boolean;
}

/**
 * The one global guard: authenticates the bearer token (passport-jwt), then authorizes by role and
 * scope, then applies the tenant lifecycle gate. Order matters for what a caller learns: no token is
 * 401; a token issued for an agent key since revoked is 401; a token without the role is 403; an agent
 * outside its environment or without the endpoint's capability is 403; a suspended tenant's
 * mutation is 403 tenant_suspended; an offboarded tenant gets 403 tenant_offboarded on everything.
 * Endpoints without `@Authorize` or `@Public` are refused: authorization is never implicit.
 */
@Injectable()
export class RcpAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly gate: TenantLifecycleGate,
    private readonly agentKeys: AgentKeyStatus,
    private readonly tokens: TokenVerifier,
  ) {
    super();
  }

  /** Per controller class, per handler (a handler inherited by two controllers may be declared differently on each). */
  private readonly routes = new WeakMap<object, WeakMap<object, RouteAuth>>();

  /** The route's declarations (handler over class), read with the reflector the first time the route is hit. */
  private routeOf(context: ExecutionContext): RouteAuth {
    const handler = context.getHandler();
    const controller = context.getClass();
    let routes = this.routes.get(controller);
    if (!routes) this.routes.set(controller, (routes = new WeakMap()));
    let route = routes.get(handler);
    if (!route) {
      const targets = [handler, controller];
      route = {
        audit: this.reflector.getAllAndOverride<AuditMeta>(AUDIT_KEY, targets),
        public: !!this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets),
        roles: this.reflector.getAllAndOverride<RoleName[]>(ROLES_KEY, targets),
        agentEnvParam: this.reflector.getAllAndOverride<string | undefined>(AGENT_ENV_PARAM_KEY, targets),
        agentCapability: this.reflector.getAllAndOverride<string | undefined>(AGENT_CAPABILITY_KEY, targets),
        gated: this.reflector.getAllAndOverride<boolean>(TENANT_GATE_KEY, targets) !== false,
      };
      routes.set(handler, route);
    }
    return route;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routeOf(context);
    const req = context.switchToHttp().getRequest<RcpRequest>();
    req.rcpAudit = route.audit;
    if (route.public) return true;

    // A token this process verified before is not verified again until it expires (TokenVerifier.recall);
    // any other goes through passport-jwt, and is remembered once verified.
    const token = bearerToken(req.headers.authorization);
    const recalled = token ? await this.tokens.recall(token) : undefined;
    if (recalled) req.user = recalled;
    else {
      await (super.canActivate(context) as Promise<boolean>);
      // Remembered here rather than in the strategy: passport's registry is per process, this verifier per app.
      if (token) this.tokens.remember(token, req.user!);
    }
    const actor = req.user!;
    RequestContexts.setActor(actor);
    if (actor.agentKeyId && (await this.agentKeys.isRevoked(actor.agentKeyId, actor.tenantId!))) {
      throw new ProblemException('unauthenticated', 'Invalid or missing bearer token: the agent key it was issued for is revoked', {}, { 'WWW-Authenticate': 'Bearer' });
    }

    const roles = route.roles;
    if (!roles) throw new ProblemException('forbidden', 'This endpoint is not open to any role');
    if (!actor.roles.some((r) => roles.includes(r as RoleName))) {
      throw new ProblemException('forbidden', `This needs one of the roles ${roles.join(', ')}`);
    }
    if (actor.kind === 'agent') {
      const param = route.agentEnvParam;
      if (!param || req.params?.[param] !== actor.environmentId) {
        throw new ProblemException('forbidden', 'Agent credentials may only report for their own environment');
      }
      const capability = route.agentCapability;
      if (!capability || !actor.capabilities?.includes(capability)) {
        throw new ProblemException('forbidden', `This needs the agent capability ${capability ?? '(none declared)'}, which this token does not hold`);
      }
    }
    if (route.gated && actor.tenantId) {
      const lifecycle = await this.gate.lifecycleOf(actor.tenantId);
      if (lifecycle === 'offboarded') throw new ProblemException('tenant_offboarded', `Tenant ${actor.tenantId} is offboarded`);
      if (lifecycle === 'suspended' && MUTATING.has(req.method)) {
        throw new ProblemException('tenant_suspended', `Tenant ${actor.tenantId} is suspended: it can read but not change anything`);
      }
    }
    return true;
  }

  override handleRequest<TUser = Actor>(err: unknown, user: TUser, info: unknown): TUser {
    if (err || !user) {
      const reason =
        (err as Error | undefined)?.message ??
        (info instanceof Error ? info.message : typeof info === 'string' ? info : 'a bearer token is required');
      throw new ProblemException('unauthenticated', `Invalid or missing bearer token: ${reason}`, {}, { 'WWW-Authenticate': 'Bearer' });
    }
    return user;
  }
}
