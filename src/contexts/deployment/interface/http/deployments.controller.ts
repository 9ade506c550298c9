import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, ErrorCode, IfMatchVersion, Page, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { ChangeDeploymentCommand, DeploymentAction } from '../../application/commands/change-deployment/change-deployment.command';
import { CreateDeploymentCommand } from '../../application/commands/create-deployment/create-deployment.command';
import { DeploymentView } from '../../application/deployment.views';
import { GetDeploymentQuery } from '../../application/queries/get-deployment/get-deployment.query';
import { DEPLOYMENTS_KEYSET, ListDeploymentsQuery } from '../../application/queries/list-deployments/list-deployments.query';
import { DeploymentState } from '../../domain/runtime-deployment.aggregate';
import { ChangeDeploymentRequest, CreateDeploymentRequest, ListDeploymentsRequest, RollbackDeploymentRequest } from './deployment.request';
import { DeploymentPageResponse, DeploymentResponse } from './deployment.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Deployment id' };
const CHANGE_PROBLEMS: ErrorCode[] = ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'invalid_state_transition', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'];
const changed = { type: DeploymentResponse, description: 'The deployment as it now is (the executor carries on in the background)' };

/** What the token may reach beyond its tenant: `project_ids` narrows it to those projects. */
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/**
 * Health-gated, reversible rollouts of a release (image, configuration version, secret bindings) of one
 * service in one environment. Another tenant's deployment, or another project's for a token with
 * `project_ids`, is a 404.
 */
@ApiTags('Deployment')
@Controller('v1/deployments')
export class DeploymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Mutation({
    roles: TENANT_WRITERS,
    command: CreateDeploymentCommand,
    status: 202,
    response: { type: DeploymentResponse, description: 'The deployment, progressing at its first step; `jobId` is the job handing it to the executor' },
    location: '/v1/deployments/:id',
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Deploy a release of a service',
    description:
      'Rolls out `image` with configuration version `configVersion` and the secret bindings `secretBindings` (a release: a rollback restores all three ' +
      'together) to `service` in the environment, by `strategy`, each step verified against `healthGate` (health of the new revision from the health ' +
      'context, its error rate and p95 latency from the data plane; inconclusive until `timeoutSeconds`, then failed; a service no health source ' +
      'reports fails closed). A failed gate rolls back to the last succeeded revision by itself. Preconditions, all listed at once in a ' +
      '409 precondition_failed: the environment is ready, the tenant active and within maxReplicasPerService and maxTotalReplicas at the ' +
      'rollout\'s peak (surge, canary or second colour included), the configuration version published, every binding resolvable, no other ' +
      'unfinished deployment of the service. A malformed image, strategy or gate: 400. Deployers and admins.',
  })
  create(@Body() body: CreateDeploymentRequest, @CurrentActor() actor: Actor): Promise<DeploymentView> {
    return this.commands.execute(new CreateDeploymentCommand({ ...body }, actor.sub, scopeOf(actor)));
  }

  @Get()
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List deployments', description: 'In creation order, optionally of one environment, service or state.' })
  @ApiOkResponse({ type: DeploymentPageResponse, description: 'One page of deployments' })
  @ApiProblems('validation_failed', 'forbidden', 'tenant_offboarded')
  list(@Query() q: ListDeploymentsRequest, @CurrentActor() actor: Actor): Promise<Page<DeploymentView>> {
    const { limit, after } = DEPLOYMENTS_KEYSET.read(q);
    return this.queries.execute(new ListDeploymentsQuery({ environmentId: q.environmentId, service: q.service, state: q.state as DeploymentState | undefined }, limit, after, scopeOf(actor)));
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a deployment', description: 'With its plan, current step and weight, and its timeline: every step, every judgement of the health gate with the numbers it judged, and why it moved.' })
  @ApiOkResponse({ type: DeploymentResponse, description: 'The deployment; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  get(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<DeploymentView> {
    return this.queries.execute(new GetDeploymentQuery(id, scopeOf(actor)));
  }

  @Post(':id/promote')
  @Mutation({ roles: TENANT_WRITERS, command: ChangeDeploymentCommand, commandFields: { action: 'promote' }, status: 202, param: ID_PARAM, ifMatch: true, response: changed, problems: CHANGE_PROBLEMS })
  @ApiOperation({ summary: 'Promote a rollout', description: 'Skips the remaining pauses (blue-green: switches the traffic); the last step is still verified. 409 invalid_state_transition unless progressing, paused or verifying.' })
  promote(@Param('id', UuidParam) id: string, @Body() body: ChangeDeploymentRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor) {
    return this.change(id, 'promote', body, v, actor);
  }

  @Post(':id/rollback')
  @Mutation({ roles: TENANT_WRITERS, command: ChangeDeploymentCommand, commandFields: { action: 'rollback' }, status: 202, param: ID_PARAM, ifMatch: true, response: changed, problems: [...CHANGE_PROBLEMS, 'precondition_failed'] })
  @ApiOperation({
    summary: 'Roll back',
    description:
      'An unfinished rollout goes back to the previous succeeded release (image, configuration and secrets together). A finished deployment is rolled ' +
      'back by deploying an earlier succeeded release again (`toRevision`, default the one before it) as a new deployment with reason `rollback`, which is answered.',
  })
  rollback(@Param('id', UuidParam) id: string, @Body() body: RollbackDeploymentRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor) {
    return this.change(id, 'rollback', body, v, actor, body.toRevision);
  }

  @Post(':id/abort')
  @Mutation({ roles: TENANT_WRITERS, command: ChangeDeploymentCommand, commandFields: { action: 'abort' }, status: 202, param: ID_PARAM, ifMatch: true, response: changed, problems: CHANGE_PROBLEMS })
  @ApiOperation({ summary: 'Abort a rollout', description: 'Stops it; the previous revision takes all traffic again. 409 invalid_state_transition once finished.' })
  abort(@Param('id', UuidParam) id: string, @Body() body: ChangeDeploymentRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor) {
    return this.change(id, 'abort', body, v, actor);
  }

  @Post(':id/resume')
  @Mutation({ roles: TENANT_WRITERS, command: ChangeDeploymentCommand, commandFields: { action: 'resume' }, status: 202, param: ID_PARAM, ifMatch: true, response: changed, problems: CHANGE_PROBLEMS })
  @ApiOperation({ summary: 'Resume a paused rollout', description: 'Ends the current pause (timed or not). 409 invalid_state_transition unless paused.' })
  resume(@Param('id', UuidParam) id: string, @Body() body: ChangeDeploymentRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor) {
    return this.change(id, 'resume', body, v, actor);
  }

  private change(id: string, action: DeploymentAction, body: ChangeDeploymentRequest, expectedVersion: number | undefined, actor: Actor, toRevision?: number): Promise<DeploymentView> {
    return this.commands.execute(new ChangeDeploymentCommand(id, action, actor.sub, body.reason ?? `${action} by ${actor.sub}`, expectedVersion, scopeOf(actor), toRevision));
  }
}
