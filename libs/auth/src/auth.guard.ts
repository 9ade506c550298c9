import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Actor, RequestContexts } from '@rcp/observability';
import { ProblemException } from '@rcp/http';
import { AgentKeyStatus } from './agent-key-status';
import { AGENT_CAPABILITY_KEY, AGENT_ENV_PARAM_KEY, AUDIT_KEY, PUBLIC_KEY, ROLES_KEY, TENANT_GATE_KEY } from './decorators';
import { RoleName } from './roles';
import { TenantLifecycleGate } from './tenant-gate';

export interface AuditMeta {
  action: string;
  targetType: string;
  targetParam?: string;
}

interface RcpRequest {
  method: string;
  user?: Actor;
  params?: Record<string, string>;
  rcpAudit?: AuditMeta;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<RcpRequest>();
    req.rcpAudit = this.reflector.getAllAndOverride<AuditMeta>(AUDIT_KEY, targets);
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    await (super.canActivate(context) as Promise<boolean>);
    const actor = req.user!;
    RequestContexts.setActor(actor);
    if (actor.agentKeyId && (await this.agentKeys.isRevoked(actor.agentKeyId, actor.tenantId!))) {
      throw new ProblemException('unauthenticated', 'Invalid or missing bearer token: the agent key it was issued for is revoked', {}, { 'WWW-Authenticate': 'Bearer' });
    }

    const roles = this.reflector.getAllAndOverride<RoleName[]>(ROLES_KEY, targets);
    if (!roles) throw new ProblemException('forbidden', 'This endpoint is not open to any role');
    if (!actor.roles.some((r) => roles.includes(r as RoleName))) {
      throw new ProblemException('forbidden', `This needs one of the roles ${roles.join(', ')}`);
    }
    if (actor.kind === 'agent') {
      const param = this.reflector.getAllAndOverride<string | undefined>(AGENT_ENV_PARAM_KEY, targets);
      if (!param || req.params?.[param] !== actor.environmentId) {
        throw new ProblemException('forbidden', 'Agent credentials may only report for their own environment');
      }
      const capability = this.reflector.getAllAndOverride<string | undefined>(AGENT_CAPABILITY_KEY, targets);
      if (!capability || !actor.capabilities?.includes(capability)) {
        throw new ProblemException('forbidden', `This needs the agent capability ${capability ?? '(none declared)'}, which this token does not hold`);
      }
    }
    const gated = this.reflector.getAllAndOverride<boolean>(TENANT_GATE_KEY, targets) !== false;
    if (gated && actor.tenantId) {
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
