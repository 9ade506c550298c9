import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Actor } from '@rcp/observability';
import { Audited, Authorize, CurrentActor, PLATFORM_ROLES, SkipTenantGate, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, IfMatchVersion, ProblemException } from '@rcp/http';
import { ChangeTenantLifecycleCommand, TenantLifecycleAction } from '../../application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { OnboardTenantCommand } from '../../application/commands/onboard-tenant/onboard-tenant.command';
import { UpdateTenantCommand } from '../../application/commands/update-tenant/update-tenant.command';
import { GetTenantUsageQuery, TenantUsageView } from '../../application/queries/get-tenant-usage/get-tenant-usage.query';
import { GetTenantQuery } from '../../application/queries/get-tenant/get-tenant.query';
import { ListTenantsQuery, TENANTS_KEYSET, TenantPage } from '../../application/queries/list-tenants/list-tenants.query';
import { TenantView } from '../../application/tenant.view';
import { LifecycleRequest, ListTenantsRequest, OnboardTenantRequest, UpdateTenantRequest } from './tenant.request';
import { TenantPageResponse, TenantResponse, TenantUsageResponse } from './tenant.response';

const IF_MATCH = { name: 'If-Match', required: false, description: 'Expected version as an ETag, e.g. "3"; a stale one is 412' };
const IDEMPOTENCY = { name: 'Idempotency-Key', required: false, description: 'Replays the first response for 24 h' };
const TENANT_PARAM = { name: 'tenantId', example: 'acme' };

/**
 * Tenancy endpoints. Platform roles manage tenants; a tenant token may read its own binding and usage
 * (another tenant's is a 404: row-level security hides it).
 */
@ApiTags('Tenancy')
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Authorize(['platform:admin'])
  @Audited('tenant.onboard', 'tenant')
  @ApiOperation({ summary: 'Onboard a tenant', description: 'Creates the tenant binding: isolation mode, derived placement and quotas.' })
  @ApiHeader(IDEMPOTENCY)
  @ApiCreatedResponse({ type: TenantResponse, description: 'The new tenant; Location and ETag headers are set' })
  @ApiProblems('validation_failed', 'forbidden', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress')
  async onboard(@Body() body: OnboardTenantRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    const view = await this.commands.execute(new OnboardTenantCommand({ ...body, quotas: { ...body.quotas } }));
    reply.status(201).header('Location', `/v1/tenants/${view.id}`);
    return view;
  }

  @Get()
  @Authorize(PLATFORM_ROLES)
  @ApiOperation({ summary: 'List tenants', description: 'In onboarding order, optionally by lifecycle state.' })
  @ApiOkResponse({ type: TenantPageResponse, description: 'One page of tenants, in onboarding order' })
  @ApiProblems('validation_failed', 'forbidden')
  list(@Query() q: ListTenantsRequest): Promise<TenantPage> {
    const after = TENANTS_KEYSET.decode(q.cursor);
    return this.queries.execute(new ListTenantsQuery({ state: q.state, limit: q.limit ?? 50, after }));
  }

  @Get(':tenantId')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a tenant', description: 'Platform tokens read any tenant; a tenant token reads its own.' })
  @ApiParam(TENANT_PARAM)
  @ApiOkResponse({ type: TenantResponse, description: 'The tenant binding; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  get(@Param('tenantId') tenantId: string, @CurrentActor() actor: Actor): Promise<TenantView> {
    this.assertReadable(actor, tenantId);
    return this.queries.execute(new GetTenantQuery(tenantId));
  }

  @Get(':tenantId/usage')
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'Get a tenant\'s quota usage',
    description:
      'Environments, services and replicas in use against each quota. Usage is tenant-wide, so a token limited to `project_ids` ' +
      'may not read it (403 forbidden).',
  })
  @ApiParam(TENANT_PARAM)
  @ApiOkResponse({ type: TenantUsageResponse, description: 'Usage against each quota' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  usage(@Param('tenantId') tenantId: string, @CurrentActor() actor: Actor): Promise<TenantUsageView> {
    this.assertReadable(actor, tenantId);
    if (actor.projectIds) throw new ProblemException('forbidden', 'Usage is tenant-wide; this token is limited to some projects of the tenant');
    return this.queries.execute(new GetTenantUsageQuery(tenantId));
  }

  @Patch(':tenantId')
  @Authorize(['platform:admin'])
  @Audited('tenant.update', 'tenant', 'tenantId')
  @ApiOperation({ summary: 'Change a tenant', description: 'Display name, quotas, or isolation mode (the latter only without live environments).' })
  @ApiParam(TENANT_PARAM)
  @ApiHeader(IF_MATCH)
  @ApiHeader(IDEMPOTENCY)
  @ApiOkResponse({ type: TenantResponse, description: 'The changed tenant; ETag carries its new version' })
  @ApiProblems('validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'precondition_failed', 'version_conflict', 'concurrent_modification')
  update(@Param('tenantId') tenantId: string, @Body() body: UpdateTenantRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.commands.execute(
      new UpdateTenantCommand(tenantId, { displayName: body.displayName, isolationMode: body.isolationMode, quotas: body.quotas ? { ...body.quotas } : undefined }, expected),
    );
  }

  @Post(':tenantId/suspend')
  @HttpCode(200)
  @Authorize(['platform:admin'])
  @SkipTenantGate()
  @Audited('tenant.suspend', 'tenant', 'tenantId')
  @ApiOperation({ summary: 'Suspend a tenant', description: 'The tenant can still read but not change anything.' })
  @ApiParam(TENANT_PARAM)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: TenantResponse, description: 'The tenant, now suspended' })
  @ApiProblems('validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'version_conflict')
  suspend(@Param('tenantId') tenantId: string, @Body() body: LifecycleRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.lifecycle(tenantId, 'suspend', body, expected);
  }

  @Post(':tenantId/reactivate')
  @HttpCode(200)
  @Authorize(['platform:admin'])
  @SkipTenantGate()
  @Audited('tenant.reactivate', 'tenant', 'tenantId')
  @ApiOperation({ summary: 'Reactivate a suspended tenant', description: 'The tenant may change things again; its tokens pass the lifecycle gate at once on this replica, within a second on others.' })
  @ApiParam(TENANT_PARAM)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: TenantResponse, description: 'The tenant, active again' })
  @ApiProblems('validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'version_conflict')
  reactivate(@Param('tenantId') tenantId: string, @Body() body: LifecycleRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.lifecycle(tenantId, 'reactivate', body, expected);
  }

  @Post(':tenantId/offboard')
  @HttpCode(200)
  @Authorize(['platform:admin'])
  @SkipTenantGate()
  @Audited('tenant.offboard', 'tenant', 'tenantId')
  @ApiOperation({ summary: 'Offboard a tenant', description: 'Terminal. Every environment of the tenant is decommissioned; its tokens are refused.' })
  @ApiParam(TENANT_PARAM)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: TenantResponse, description: 'The tenant, now offboarded; its environments are being decommissioned' })
  @ApiProblems('validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'version_conflict')
  offboard(@Param('tenantId') tenantId: string, @Body() body: LifecycleRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.lifecycle(tenantId, 'offboard', body, expected);
  }

  private lifecycle(tenantId: string, action: TenantLifecycleAction, body: LifecycleRequest | undefined, expected?: number): Promise<TenantView> {
    return this.commands.execute(new ChangeTenantLifecycleCommand(tenantId, action, body?.reason ?? null, expected));
  }

  /** A tenant token reads only its own binding; anything else is indistinguishable from absent. */
  private assertReadable(actor: Actor, tenantId: string): void {
    if (actor.tenantId && actor.tenantId !== tenantId) throw new ProblemException('not_found', `Tenant ${tenantId} was not found`);
  }
}
