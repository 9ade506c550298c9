import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, IfMatchVersion, Page, PageQuery, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { RecordDesiredStateCommand } from '../../application/commands/record-desired-state/record-desired-state.command';
import { RequestReconciliationCommand } from '../../application/commands/request-reconciliation/request-reconciliation.command';
import { SetRemediationPolicyCommand } from '../../application/commands/set-remediation-policy/set-remediation-policy.command';
import { DesiredStateView, EnvironmentDriftView, ReconcileRequestedView, RecordedDesiredStateView, RemediationPolicyView } from '../../application/drift.views';
import { GetDesiredStateQuery } from '../../application/queries/get-desired-state/get-desired-state.query';
import { GetEnvironmentDriftQuery } from '../../application/queries/get-environment-drift/get-environment-drift.query';
import { GetRemediationPolicyQuery } from '../../application/queries/get-remediation-policy/get-remediation-policy.query';
import { DESIRED_STATES_KEYSET, ListDesiredStatesQuery } from '../../application/queries/list-desired-states/list-desired-states.query';
import { DEFAULT_POLICY } from '../../domain/remediation-policy';
import { DesiredStateRequest, RemediationPolicyRequest } from './drift.request';
import { DesiredStatePageResponse, DesiredStateResponse, EnvironmentDriftResponse, ReconcileRequestedResponse, RecordedDesiredStateResponse, RemediationPolicyResponse } from './drift.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Environment id' };
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/**
 * Drift of the caller's environments: the desired state a GitOps pipeline posts, reconciliation on
 * demand, the remediation policy, and where the environment stands. Another tenant's environment, or
 * another project's for a token with `project_ids`, is a 404.
 */
@ApiTags('Drift')
@Controller('v1/environments/:id')
export class EnvironmentDriftController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put('desired-state')
  @Mutation({
    roles: TENANT_WRITERS,
    command: RecordDesiredStateCommand,
    status: 200,
    param: ID_PARAM,
    response: { type: RecordedDesiredStateResponse, description: 'The snapshot as recorded; `current` says whether it is now the newest, and `reason` why not' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Post the desired state from Git',
    description:
      'What Git declares for the environment at `source.revision` (a commit id) of `source.repository` under `source.path`: an immutable snapshot. ' +
      'The newest wins; an older revision of the same repository (by `observedAt`) is recorded but does not replace the newest, and the answer says so ' +
      '(`current: false`, `reason`). The same source and services again records nothing. Duplicate service names, an image without tag or digest, negative ' +
      'replicas, a revision that is not a commit id: 400. The environment is reconciled against it within DRIFT_DEBOUNCE_SECONDS.',
  })
  record(@Param('id', UuidParam) id: string, @Body() body: DesiredStateRequest, @CurrentActor() actor: Actor): Promise<RecordedDesiredStateView> {
    const services = body.services.map((s) => ({ name: s.name, image: s.image, replicas: s.replicas, configChecksum: s.configChecksum ?? null }));
    return this.commands.execute(new RecordDesiredStateCommand(id, { ...body.source }, services, body.observedAt ? new Date(body.observedAt) : new Date(), actor.sub, scopeOf(actor)));
  }

  @Get('desired-state')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get the newest desired state', description: 'The snapshot reconciliation compares with. 404 until a pipeline has posted one.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: DesiredStateResponse, description: 'The newest desired state' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  desired(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<DesiredStateView> {
    return this.queries.execute(new GetDesiredStateQuery(id, scopeOf(actor)));
  }

  @Get('desired-states')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List the recorded desired states', description: 'Every snapshot a pipeline posted, newest recorded first; `current` marks the one reconciliation compares with.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: DesiredStatePageResponse, description: 'One page of desired states' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  history(@Param('id', UuidParam) id: string, @Query() q: PageQuery, @CurrentActor() actor: Actor): Promise<Page<RecordedDesiredStateView>> {
    const { limit, after } = DESIRED_STATES_KEYSET.read(q);
    return this.queries.execute(new ListDesiredStatesQuery(id, limit, after, scopeOf(actor)));
  }

  @Post('reconcile')
  @Mutation({
    roles: TENANT_WRITERS,
    command: RequestReconciliationCommand,
    status: 202,
    param: ID_PARAM,
    response: { type: ReconcileRequestedResponse, description: 'The reconciliation job (one per environment at a time: one already queued does it)' },
    location: '/v1/jobs/:jobId',
    problems: ['forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Reconcile now',
    description:
      'Queues a reconciliation of the environment against its newest desired state (it also runs every DRIFT_RECONCILE_INTERVAL_SECONDS and after every change ' +
      'of desired state, actual state or health, debounced). Findings are detected, seen again, resolved, and auto-remediated where the policy allows. ' +
      'Without a desired state: 409 precondition_failed.',
  })
  reconcile(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<ReconcileRequestedView> {
    return this.commands.execute(new RequestReconciliationCommand(id, scopeOf(actor)));
  }

  @Put('remediation-policy')
  @Mutation({
    roles: ['tenant:admin'],
    command: SetRemediationPolicyCommand,
    status: 200,
    param: ID_PARAM,
    ifMatch: true,
    response: { type: RemediationPolicyResponse, description: 'The policy as set; ETag carries its version' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Set the remediation policy',
    description:
      '`manual` (the default): findings wait for a person. `auto`: a finding is remediated by a corrective deployment when its action is in `allow` ' +
      '(reapply, redeploy, rollback) and the time is in one of `windows` (UTC; none: any time), else it stays open with the reason (the next window, say). ' +
      'A divergence remediated and back DRIFT_REMEDIATION_MAX_ATTEMPTS times within DRIFT_REMEDIATION_WINDOW_SECONDS is left for a person; between attempts it ' +
      'backs off. `reconcileIntervalSeconds` overrides the schedule for this environment. Tenant admins.',
  })
  setPolicy(@Param('id', UuidParam) id: string, @Body() body: RemediationPolicyRequest, @IfMatchVersion() expected: number | undefined, @CurrentActor() actor: Actor): Promise<RemediationPolicyView> {
    const policy = { mode: body.mode, allow: body.allow ?? [...DEFAULT_POLICY.allow], windows: (body.windows ?? []).map((w) => ({ days: w.days, start: w.start, end: w.end })), reconcileIntervalSeconds: body.reconcileIntervalSeconds ?? null };
    return this.commands.execute(new SetRemediationPolicyCommand(id, policy, expected, scopeOf(actor)));
  }

  @Get('remediation-policy')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get the remediation policy', description: 'The default (manual, version 0) until one is set.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: RemediationPolicyResponse, description: 'The policy; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  policy(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<RemediationPolicyView> {
    return this.queries.execute(new GetRemediationPolicyQuery(id, scopeOf(actor)));
  }

  @Get('drift')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get the drift status of an environment', description: 'The newest desired state, the policy, the last and next reconciliation, and the unresolved findings by state.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: EnvironmentDriftResponse, description: 'Where the environment stands with drift' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  status(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<EnvironmentDriftView> {
    return this.queries.execute(new GetEnvironmentDriftQuery(id, scopeOf(actor)));
  }
}
