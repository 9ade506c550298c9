import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, MutationSpec, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { ApiProblems, IfMatchVersion, Page, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { AccessScope } from '../../application/access-scope';
import { DecommissionEnvironmentCommand } from '../../application/commands/decommission-environment/decommission-environment.command';
import { ActualStateResult, ReportActualStateCommand } from '../../application/commands/report-actual-state/report-actual-state.command';
import { RequestEnvironmentCommand } from '../../application/commands/request-environment/request-environment.command';
import { RetryEnvironmentCommand } from '../../application/commands/retry-environment/retry-environment.command';
import { EnvironmentAcceptedView, EnvironmentJobView, EnvironmentView } from '../../application/environment.view';
import { GetEnvironmentQuery } from '../../application/queries/get-environment/get-environment.query';
import { ENVIRONMENTS_KEYSET, ListEnvironmentsQuery } from '../../application/queries/list-environments/list-environments.query';
import { ListServicesQuery, ServiceInventoryView } from '../../application/queries/list-services/list-services.query';
import { ActualStateRequest, ListEnvironmentsRequest, ListServicesRequest, RequestEnvironmentRequest } from './environment.request';
import {
  ActualStateResponse,
  EnvironmentAcceptedResponse,
  EnvironmentPageResponse,
  EnvironmentResponse,
  ServiceInventoryResponse,
} from './environment.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Environment id' };
/** What the lifecycle actions on one environment (decommission, retry) declare alike: 202, If-Match, Location, their problems. */
const LIFECYCLE_ACTION = {
  status: 202,
  param: ID_PARAM,
  ifMatch: true,
  location: '/v1/environments/:id',
  problems: ['forbidden', 'not_found', 'tenant_suspended', 'invalid_state_transition', 'version_conflict', 'concurrent_modification'],
} as const satisfies Partial<MutationSpec>;

/** What the token may reach beyond its tenant: `project_ids` narrows it to those projects. */
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });
const accepted = (r: EnvironmentJobView): EnvironmentAcceptedView => ({ ...r.environment, jobId: r.jobId });

/**
 * Runtime environments of the caller's tenant and their live service inventory. Another tenant's
 * environment, and for a token with `project_ids` another project's, is a 404.
 */
@ApiTags('Inventory')
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Mutation({
    roles: TENANT_WRITERS,
    command: RequestEnvironmentCommand,
    status: 202,
    response: {
      type: EnvironmentAcceptedResponse,
      description: 'Accepted: the environment as requested; Location, ETag and the jobId of its provisioning, `running` until the environment is ready (then `completed`) or failed (then `failed`)',
    },
    location: '/v1/environments/:id',
    problems: ['validation_failed', 'forbidden', 'tenant_suspended', 'tenant_offboarded', 'quota_exceeded', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Request an environment',
    description:
      'Creates the environment in state `requested` and starts provisioning in the background: `provisioning`, then `ready`, or `failed` ' +
      'with a `failureReason` after retries or a timeout. Placement follows the tenant\'s isolation mode. Refused when the tenant is not ' +
      'onboarded (409 precondition_failed), suspended (403 tenant_suspended), at `maxEnvironments` (409 quota_exceeded), or the name is ' +
      'taken in the project (409 precondition_failed). A token limited to `project_ids` may create only in those projects (403).',
  })
  async request(@Body() body: RequestEnvironmentRequest, @CurrentActor() actor: Actor): Promise<EnvironmentAcceptedView> {
    const result = await this.commands.execute(
      new RequestEnvironmentCommand(
        { tenantId: actor.tenantId!, projectId: body.projectId, name: body.name, type: body.type, region: body.region, labels: body.labels },
        scopeOf(actor),
      ),
    );
    return accepted(result);
  }

  @Get()
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List environments', description: 'In creation order, optionally by project and state; a token with project_ids sees only those projects.' })
  @ApiOkResponse({ type: EnvironmentPageResponse, description: 'One page of environments' })
  @ApiProblems('validation_failed', 'forbidden', 'tenant_offboarded')
  list(@Query() q: ListEnvironmentsRequest, @CurrentActor() actor: Actor): Promise<Page<EnvironmentView>> {
    return this.queries.execute(
      new ListEnvironmentsQuery({ tenantId: actor.tenantId ?? undefined, projectId: q.projectId, state: q.state, projectIds: actor.projectIds, ...ENVIRONMENTS_KEYSET.read(q) }),
    );
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get an environment', description: 'Its state, placement, the operation in flight and, when failed, why.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: EnvironmentResponse, description: 'The environment; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  get(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<EnvironmentView> {
    return this.queries.execute(new GetEnvironmentQuery(id, scopeOf(actor)));
  }

  @Delete(':id')
  @Mutation({
    roles: [...TENANT_WRITERS, 'platform:admin'],
    command: DecommissionEnvironmentCommand,
    response: { type: EnvironmentAcceptedResponse, description: 'Accepted: the environment now decommissioning, and the jobId tearing it down' },
    ...LIFECYCLE_ACTION,
  })
  @ApiOperation({
    summary: 'Decommission an environment',
    description:
      'Moves a `ready` or `failed` environment to `decommissioning`; the provisioner tears it down and it becomes `decommissioned` ' +
      '(or `failed` with a reason if tearing down keeps failing; DELETE again to retry). While provisioning is still running, or when it ' +
      'is already going away: 409 invalid_state_transition. Tenant admins and deployers decommission their tenant\'s environments; a ' +
      'platform admin any tenant\'s (e.g. what an offboarded or suspended tenant can no longer remove itself), audited under that tenant. ' +
      'The `jobId` stays `running` until the environment is `decommissioned` (then `completed`) or decommissioning failed (then `failed`).',
  })
  async decommission(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor, @IfMatchVersion() expected?: number): Promise<EnvironmentAcceptedView> {
    const result = await this.commands.execute(
      new DecommissionEnvironmentCommand({ environmentId: id, reason: `requested by ${actor.sub}`, expectedVersion: expected, scope: scopeOf(actor) }),
    );
    return accepted(result);
  }

  @Post(':id/retry')
  @Mutation({
    roles: TENANT_WRITERS,
    command: RetryEnvironmentCommand,
    response: { type: EnvironmentAcceptedResponse, description: 'Accepted: the environment requested again, and the provisioning jobId' },
    ...LIFECYCLE_ACTION,
  })
  @ApiOperation({
    summary: 'Retry a failed environment',
    description:
      'Sends a `failed` environment back to `requested` as a new provisioning round (attempts start again, the failure reason is cleared) ' +
      'and starts provisioning it. Any other state: 409 invalid_state_transition.',
  })
  async retry(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor, @IfMatchVersion() expected?: number): Promise<EnvironmentAcceptedView> {
    return accepted(await this.commands.execute(new RetryEnvironmentCommand(id, expected, scopeOf(actor))));
  }

  @Get(':id/services')
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'List the live services of an environment',
    description: 'The actual-state baseline, one row per service as last reported by the environment\'s agent: image, replicas, readiness, config checksum.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ServiceInventoryResponse, description: 'The services last reported for the environment' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  services(@Param('id', UuidParam) id: string, @Query() q: ListServicesRequest, @CurrentActor() actor: Actor): Promise<ServiceInventoryView> {
    return this.queries.execute(new ListServicesQuery(id, q.includeRemoved ?? false, scopeOf(actor)));
  }

  @Put(':id/actual-state')
  @Mutation({
    roles: ['agent', 'tenant:admin'],
    capability: 'report:actual-state',
    environmentParam: 'id',
    command: ReportActualStateCommand,
    status: 200,
    response: { type: ActualStateResponse, description: 'What the report changed, or why it was ignored' },
    param: ID_PARAM,
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'invalid_state_transition', 'quota_exceeded', 'concurrent_modification'],
  })
  @ApiOperation({
    summary: 'Report the actual state of an environment (agents)',
    description:
      'A full report from the environment\'s runtime agent (an `agent` token for this environment, or a tenant admin). Services missing from ' +
      'the report are marked removed. A report older than the last applied one is ignored and answered with `applied: false` and the reason. ' +
      'A report that changes nothing publishes nothing. Services beyond the tenant\'s maxServicesPerEnvironment are kept and flagged `overQuota`, ' +
      'up to as many again: a report listing more than twice maxServicesPerEnvironment services is refused whole (409 quota_exceeded), so one ' +
      'report publishes at most a bounded number of service events (one per reported service, plus one per service it removes). ' +
      'Accepted while the environment is ready or decommissioning (otherwise 409 invalid_state_transition).',
  })
  reportActualState(@Param('id', UuidParam) id: string, @Body() body: ActualStateRequest, @CurrentActor() actor: Actor): Promise<ActualStateResult> {
    const services = body.services.map((s) => ({ name: s.name, image: s.image, replicas: s.replicas, readyReplicas: s.readyReplicas, configChecksum: s.configChecksum ?? null }));
    return this.commands.execute(new ReportActualStateCommand(id, { observedAt: new Date(body.observedAt), services }, scopeOf(actor)));
  }
}
