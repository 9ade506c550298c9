import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor } from '@rcp/observability';
import { Authorize, CurrentActor, Mutation, MutationSpec, PLATFORM_ROLES, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, IfMatchVersion, Page, ProblemException } from '@rcp/http';
import { ChangeTenantLifecycleCommand, TenantLifecycleAction } from '../../application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { OnboardTenantCommand } from '../../application/commands/onboard-tenant/onboard-tenant.command';
import { UpdateTenantCommand } from '../../application/commands/update-tenant/update-tenant.command';
import { GetTenantUsageQuery, TenantUsageView } from '../../application/queries/get-tenant-usage/get-tenant-usage.query';
import { GetTenantQuery } from '../../application/queries/get-tenant/get-tenant.query';
import { ListTenantsQuery, TENANTS_KEYSET } from '../../application/queries/list-tenants/list-tenants.query';
import { TenantView } from '../../application/tenant.view';
import { LifecycleRequest, ListTenantsRequest, OnboardTenantRequest, UpdateTenantRequest } from './tenant.request';
import { TenantPageResponse, TenantResponse, TenantUsageResponse } from './tenant.response';

const TENANT_PARAM = { name: 'tenantId', example: 'acme' };

/** A lifecycle transition: platform admins only, past the tenant gate (it is what moves the tenant through it). */
const lifecycle = (action: TenantLifecycleAction, description: string): MutationSpec<ChangeTenantLifecycleCommand> => ({
  roles: ['platform:admin'],
  skipTenantGate: true,
  command: ChangeTenantLifecycleCommand,
  commandFields: { action },
  status: 200,
  response: { type: TenantResponse, description },
  param: TENANT_PARAM,
  ifMatch: true,
  problems: ['validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'version_conflict'],
});

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
  @Mutation({
    roles: ['platform:admin'],
    command: OnboardTenantCommand,
    status: 201,
    response: { type: TenantResponse, description: 'The new tenant; Location and ETag headers are set' },
    location: '/v1/tenants/:id',
    problems: ['validation_failed', 'forbidden', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({ summary: 'Onboard a tenant', description: 'Creates the tenant binding: isolation mode, derived placement and quotas.' })
  onboard(@Body() body: OnboardTenantRequest): Promise<TenantView> {
    return this.commands.execute(new OnboardTenantCommand({ ...body, quotas: { ...body.quotas } }));
  }

  @Get()
  @Authorize(PLATFORM_ROLES)
  @ApiOperation({ summary: 'List tenants', description: 'In onboarding order, optionally by lifecycle state.' })
  @ApiOkResponse({ type: TenantPageResponse, description: 'One page of tenants, in onboarding order' })
  @ApiProblems('validation_failed', 'forbidden')
  list(@Query() q: ListTenantsRequest): Promise<Page<TenantView>> {
    return this.queries.execute(new ListTenantsQuery({ state: q.state, ...TENANTS_KEYSET.read(q) }));
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
  @Mutation({
    roles: ['platform:admin'],
    command: UpdateTenantCommand,
    status: 200,
    response: { type: TenantResponse, description: 'The changed tenant; ETag carries its new version' },
    param: TENANT_PARAM,
    ifMatch: true,
    problems: ['validation_failed', 'forbidden', 'not_found', 'invalid_state_transition', 'precondition_failed', 'version_conflict', 'concurrent_modification'],
  })
  @ApiOperation({ summary: 'Change a tenant', description: 'Display name, quotas, or isolation mode (the latter only without live environments).' })
  update(@Param('tenantId') tenantId: string, @Body() body: UpdateTenantRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.commands.execute(
      new UpdateTenantCommand(tenantId, { displayName: body.displayName, isolationMode: body.isolationMode, quotas: body.quotas ? { ...body.quotas } : undefined }, expected),
    );
  }

  @Post(':tenantId/suspend')
  @Mutation(lifecycle('suspend', 'The tenant, now suspended'))
  @ApiOperation({ summary: 'Suspend a tenant', description: 'The tenant can still read but not change anything.' })
  suspend(@Param('tenantId') tenantId: string, @Body() body: LifecycleRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.lifecycle(tenantId, 'suspend', body, expected);
  }

  @Post(':tenantId/reactivate')
  @Mutation(lifecycle('reactivate', 'The tenant, active again'))
  @ApiOperation({ summary: 'Reactivate a suspended tenant', description: 'The tenant may change things again; its tokens pass the lifecycle gate at once on this replica, within a second on others.' })
  reactivate(@Param('tenantId') tenantId: string, @Body() body: LifecycleRequest, @IfMatchVersion() expected?: number): Promise<TenantView> {
    return this.lifecycle(tenantId, 'reactivate', body, expected);
  }

  @Post(':tenantId/offboard')
  @Mutation(lifecycle('offboard', 'The tenant, now offboarded; its environments are being decommissioned'))
  @ApiOperation({ summary: 'Offboard a tenant', description: 'Terminal. Every environment of the tenant is decommissioned; its tokens are refused.' })
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
