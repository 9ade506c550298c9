import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TenantLifecycleGate } from '@rcp/auth';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { sha256Hex } from '@rcp/ddd';
import { ProblemException, RedisThrottlerStorage } from '@rcp/http';
import { RequestContexts } from '@rcp/observability';
import { CredentialKind, parseCredential, PresentedCredential } from '../../domain/agent-credential';
import { CredentialDirectory } from '../../application/ports/credential-directory.port';

const KIND_KEY = 'rcp:agent-credential-kind';
const MINUTE_MS = 60_000;
const WHAT: Record<CredentialKind, string> = { rcpet: 'an enrollment token (rcpet_…)', rcpak: 'an agent key (rcpak_…)' };

/** The route takes this kind of agent credential as its bearer, checked by {@link AgentCredentialGuard}. */
export const PresentsCredential = (kind: CredentialKind) => SetMetadata(KIND_KEY, kind);

interface CredentialRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  agentCredential?: PresentedCredential;
}

/** The credential the guard accepted. */
export const Presented = createParamDecorator((_: unknown, ctx: ExecutionContext): PresentedCredential => ctx.switchToHttp().getRequest<CredentialRequest>().agentCredential!);

const refused = (detail: string) => new ProblemException('unauthenticated', `Invalid or missing bearer token: ${detail}`, {}, { 'WWW-Authenticate': 'Bearer' });

/**
 * Authenticates the two routes whose bearer is not a JWT but an agent credential: an enrollment token
 * (redeem) or an agent key (token exchange). It checks the format before anything is looked up, limits
 * token exchanges per key (`AGENT_TOKEN_EXCHANGES_PER_MINUTE`, counted in Redis across replicas, before
 * the database is touched), finds the owner, and from then on the request acts as that environment's
 * agent in its tenant's scope, under the tenant lifecycle gate like any tenant call. Whether the secret
 * matches is decided by the command, in that scope, so every refusal is audited under the tenant when
 * the credential's owner is known, and as anonymous otherwise.
 */
@Injectable()
export class AgentCredentialGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: CredentialDirectory,
    private readonly gate: TenantLifecycleGate,
    private readonly counters: RedisThrottlerStorage,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.get<CredentialKind>(KIND_KEY, context.getHandler());
    const req = context.switchToHttp().getRequest<CredentialRequest>();
    const header = req.headers.authorization;
    const bearer = typeof header === 'string' ? /^Bearer +(\S+)$/i.exec(header.trim())?.[1] : undefined;
    const presented = bearer ? parseCredential(bearer, kind) : undefined;
    if (!presented) throw refused(`this endpoint takes ${WHAT[kind]} as its bearer`);
    if (kind === 'rcpak') await this.limitExchanges(presented.lookup);
    const owner = await this.directory.ownerOf(kind, presented.lookup);
    if (!owner) throw refused(kind === 'rcpet' ? 'unknown enrollment token' : 'unknown agent key');
    RequestContexts.setActor({
      sub: kind === 'rcpet' ? `agent-enrollment:${owner.id}` : `agent-key:${owner.id}`,
      kind: 'agent',
      tenantId: owner.tenantId,
      roles: ['agent'],
      projectIds: [owner.projectId],
      environmentId: owner.environmentId,
      capabilities: [],
    });
    const lifecycle = await this.gate.lifecycleOf(owner.tenantId);
    if (lifecycle === 'offboarded') throw new ProblemException('tenant_offboarded', `Tenant ${owner.tenantId} is offboarded`);
    if (lifecycle === 'suspended') throw new ProblemException('tenant_suspended', `Tenant ${owner.tenantId} is suspended: its agents cannot enroll or get tokens`);
    req.agentCredential = presented;
    return true;
  }

  private async limitExchanges(lookup: string): Promise<void> {
    const limit = this.settings.AGENT_TOKEN_EXCHANGES_PER_MINUTE;
    const hit = await this.counters.increment(`agent-token:${sha256Hex(lookup).slice(0, 32)}`, MINUTE_MS, limit, 0, 'agent-token');
    if (hit.isBlocked) {
      const retryAfter = Math.max(1, hit.timeToBlockExpire);
      throw new ProblemException('rate_limited', `More than ${limit} token exchanges per minute for this agent key; retry after ${retryAfter} s`, {}, { 'Retry-After': String(retryAfter) });
    }
  }
}
