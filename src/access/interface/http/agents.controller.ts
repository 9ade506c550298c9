import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, applyDecorators } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audited, Authorize, CurrentActor, Mutation, Public } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, ErrorCode, IfMatchVersion, Page, SecretInResponse, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { AgentEnrollmentView, AgentKeyView, AgentTokenView, IssuedAgentKeyView } from '../../application/access.views';
import { IssueAgentEnrollmentCommand } from '../../application/commands/issue-agent-enrollment/issue-agent-enrollment.command';
import { IssueAgentTokenCommand } from '../../application/commands/issue-agent-token/issue-agent-token.command';
import { RedeemAgentEnrollmentCommand } from '../../application/commands/redeem-agent-enrollment/redeem-agent-enrollment.command';
import { RevokeAgentKeyCommand } from '../../application/commands/revoke-agent-key/revoke-agent-key.command';
import { AGENT_KEYS_KEYSET, ListAgentKeysQuery } from '../../application/queries/list-agent-keys/list-agent-keys.query';
import { PresentedCredential } from '../../domain/agent-credential';
import { AgentCredentialGuard, Presented, PresentsCredential } from './agent-credential.guard';
import { IssueAgentEnrollmentRequest, ListAgentKeysRequest, RevokeAgentKeyRequest } from './agents.request';
import { AgentEnrollmentResponse, AgentKeyPageResponse, AgentKeyResponse, AgentTokenResponse, IssuedAgentKeyResponse } from './agents.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Environment id' };
const KEY_PARAM = { name: 'keyId', format: 'uuid', description: 'Agent key id' };
/** Who may see an environment's agent keys: its tenant's admins and the platform's operators. */
const KEY_READERS = ['tenant:admin' as const, 'platform:admin' as const, 'platform:viewer' as const];

const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/** A route whose bearer is an agent credential rather than a JWT (its own guard, its own audit action). */
function TakesAgentCredential(kind: 'rcpet' | 'rcpak', audit: { action: string; targetType: string }, status: 200 | 201, problems: ErrorCode[]) {
  return applyDecorators(
    HttpCode(status),
    Public(),
    PresentsCredential(kind),
    UseGuards(AgentCredentialGuard),
    Audited(audit.action, audit.targetType),
    ApiBearerAuth(kind === 'rcpet' ? 'agent-enrollment-token' : 'agent-key'),
    ApiProblems('unauthenticated', ...problems),
  );
}

/**
 * How a runtime agent gets its credential without a person handling secrets: a tenant admin issues a
 * one-time enrollment token for a ready environment; the agent redeems it once for an agent key; it
 * exchanges the key for short-lived agent tokens, which the agent endpoints accept like any other token,
 * as far as the key's capabilities allow. Keys are listed and revoked per environment.
 */
@ApiTags('Agents')
@Controller('v1')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('environments/:id/agent-enrollments')
  @Mutation({
    roles: ['tenant:admin'],
    command: IssueAgentEnrollmentCommand,
    status: 201,
    param: ID_PARAM,
    response: { type: AgentEnrollmentResponse, description: 'The enrollment and its one-time token (shown once)' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @SecretInResponse('token')
  @ApiOperation({
    summary: 'Issue an agent enrollment token',
    description:
      'A one-time token with which an agent of this environment enrolls (POST /v1/agent-enrollments/redeem). Valid for AGENT_ENROLLMENT_TTL_SECONDS ' +
      '(15 minutes by default), redeemable once, stored only as a hash, shown only in this answer. `capabilities` are those of the key it will be ' +
      'redeemed for (default: all; an unknown one is 400). The environment must be ready (409 precondition_failed otherwise, also when the ' +
      'control plane has no key to sign agent tokens with). Tenant admins only.',
  })
  issueEnrollment(@Param('id', UuidParam) id: string, @Body() body: IssueAgentEnrollmentRequest, @CurrentActor() actor: Actor): Promise<AgentEnrollmentView> {
    return this.commands.execute(new IssueAgentEnrollmentCommand(id, body.capabilities, actor.sub, scopeOf(actor)));
  }

  @Post('agent-enrollments/redeem')
  @TakesAgentCredential('rcpet', { action: 'agent-enrollment.redeem', targetType: 'agent-key' }, 201, ['tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'])
  @SecretInResponse('key')
  @ApiResponse({ status: 201, type: IssuedAgentKeyResponse, description: 'The agent key (shown once)' })
  @ApiOperation({
    summary: 'Redeem an enrollment token for an agent key',
    description:
      'The bearer is the enrollment token (`Authorization: Bearer rcpet_…`), no body. Answers an agent key bound to the enrollment\'s environment ' +
      'and capabilities, shown only here and stored as a hash. A token that is unknown, forged, expired or already used is 401; of two ' +
      'concurrent redemptions of one token exactly one succeeds. The environment must still be ready (409 precondition_failed).',
  })
  redeem(@Presented() token: PresentedCredential): Promise<IssuedAgentKeyView> {
    return this.commands.execute(new RedeemAgentEnrollmentCommand(token));
  }

  @Post('agent-tokens')
  @TakesAgentCredential('rcpak', { action: 'agent-token.issue', targetType: 'agent-key' }, 200, ['rate_limited', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'])
  @SecretInResponse('token')
  @ApiOkResponse({ type: AgentTokenResponse, description: 'A short-lived agent token' })
  @ApiOperation({
    summary: 'Exchange an agent key for an agent token',
    description:
      'The bearer is the agent key (`Authorization: Bearer rcpak_…`), no body. Answers an agent JWT (role `agent`, the key\'s environment and ' +
      'capabilities) valid for AGENT_TOKEN_TTL_SECONDS (10 minutes by default), signed by the control plane\'s own key, so it is accepted with ' +
      'local or JWKS verification alike. Renew it before it expires. An unknown or revoked key is 401; more than AGENT_TOKEN_EXCHANGES_PER_MINUTE ' +
      'exchanges per key and minute are 429.',
  })
  exchange(@Presented() key: PresentedCredential): Promise<AgentTokenView> {
    return this.commands.execute(new IssueAgentTokenCommand(key));
  }

  @Get('environments/:id/agent-keys')
  @Authorize(KEY_READERS)
  @ApiOperation({
    summary: 'List the agent keys of an environment',
    description: 'Active keys in creation order (with `includeRevoked=true`, revoked ones too): prefix, capabilities, who issued them, last use. Never a key.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: AgentKeyPageResponse, description: 'One page of keys' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  listKeys(@Param('id', UuidParam) id: string, @Query() q: ListAgentKeysRequest, @CurrentActor() actor: Actor): Promise<Page<AgentKeyView>> {
    const { limit, after } = AGENT_KEYS_KEYSET.read(q);
    return this.queries.execute(new ListAgentKeysQuery(id, q.includeRevoked ?? false, limit, after, scopeOf(actor)));
  }

  @Delete('environments/:id/agent-keys/:keyId')
  @Mutation({
    roles: ['tenant:admin'],
    command: RevokeAgentKeyCommand,
    status: 200,
    param: KEY_PARAM,
    ifMatch: true,
    response: { type: AgentKeyResponse, description: 'The key, revoked' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'Revoke an agent key',
    description:
      'No new token is issued for the key, and the tokens already issued for it are refused (401) within AGENT_KEY_STATUS_CACHE_SECONDS (5 s by ' +
      'default) on every replica, at once on the one that answered. Revoking a revoked key changes nothing. A decommissioned environment\'s keys ' +
      'are revoked by the system. Tenant admins only.',
  })
  revoke(
    @Param('id', UuidParam) id: string,
    @Param('keyId', UuidParam) keyId: string,
    @Query() q: RevokeAgentKeyRequest,
    @IfMatchVersion() expectedVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<AgentKeyView> {
    return this.commands.execute(new RevokeAgentKeyCommand(id, keyId, q.reason ?? `revoked by ${actor.sub}`, actor.sub, expectedVersion, scopeOf(actor)));
  }
}
