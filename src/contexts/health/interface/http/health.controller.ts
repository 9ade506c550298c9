import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, IfMatchVersion, Page, ProblemException, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { HealthReportResult, ReportHealthCommand } from '../../application/commands/report-health/report-health.command';
import { MetricsResult, RecordMetricsCommand } from '../../application/commands/record-metrics/record-metrics.command';
import { SetScalingPolicyCommand } from '../../application/commands/set-scaling-policy/set-scaling-policy.command';
import { EnvironmentHealthView, ScalingDecisionView, ScalingPolicyView } from '../../application/health.views';
import { GetHealthQuery } from '../../application/queries/get-health/get-health.query';
import { GetScalingPolicyQuery } from '../../application/queries/get-scaling-policy/get-scaling-policy.query';
import { DECISIONS_KEYSET, ListScalingDecisionsQuery } from '../../application/queries/list-scaling-decisions/list-scaling-decisions.query';
import { HPA_DEFAULTS, ScalingPolicyProps } from '../../domain/scaling';
import { HealthReportRequest, ListScalingDecisionsRequest, MetricsReportRequest, SERVICE_PARAM_PATTERN, ScalingPolicyRequest } from './health.request';
import {
  EnvironmentHealthResponse,
  HealthReportResponse,
  MetricsReportResponse,
  ScalingDecisionPageResponse,
  ScalingPolicyResponse,
  SetScalingPolicyResponse,
} from './health.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Environment id' };
const SERVICE_PARAM = { name: 'service', description: 'Service name (a DNS label)' };
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/** A service path segment: a DNS label, else no such service (404). */
function serviceOf(service: string): string {
  if (!SERVICE_PARAM_PATTERN.test(service)) throw new ProblemException('not_found', `No service is named ${JSON.stringify(service.slice(0, 100))}: service names are DNS labels`);
  return service;
}

/** The policy with the Kubernetes HPA's defaults where the request leaves a value out. */
function policyOf(b: ScalingPolicyRequest): ScalingPolicyProps {
  return {
    minReplicas: b.minReplicas,
    maxReplicas: b.maxReplicas,
    targets: b.targets.map((t) => ({ metric: t.metric, value: t.value })),
    scaleUp: { stabilizationSeconds: b.scaleUp?.stabilizationSeconds ?? HPA_DEFAULTS.scaleUpStabilizationSeconds, maxStep: b.scaleUp?.maxStep ?? null },
    scaleDown: { stabilizationSeconds: b.scaleDown?.stabilizationSeconds ?? HPA_DEFAULTS.scaleDownStabilizationSeconds, maxStep: b.scaleDown?.maxStep ?? null },
    tolerance: b.tolerance ?? HPA_DEFAULTS.tolerance,
    scaleUpWhenUnhealthy: b.scaleUpWhenUnhealthy ?? false,
  };
}

/**
 * Health and scaling of the caller's environments: agents' health and metric reports, the services'
 * health, scaling policies and the decisions they made. Another tenant's environment, and for a token
 * with `project_ids` another project's, is a 404; an agent token reports for its own environment only.
 */
@ApiTags('Health')
@Controller('v1/environments/:id')
export class HealthController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('health-reports')
  @Mutation({
    roles: ['agent', 'tenant:admin'],
    capability: 'report:health',
    environmentParam: 'id',
    command: ReportHealthCommand,
    status: 200,
    param: ID_PARAM,
    response: { type: HealthReportResponse, description: 'The checks taken and the services whose status changed' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'concurrent_modification'],
  })
  @ApiOperation({
    summary: 'Report health checks (agents)',
    description:
      'Checks of the environment\'s services from its agent (an `agent` token for this environment, else 403). Status with hysteresis: ' +
      '`failureThreshold` (3) consecutive fails turn a service `unhealthy`, `successThreshold` (2) passes turn it `healthy`, a `warn` makes it ' +
      '`degraded`; no check for HEALTH_STALE_SECONDS (90) makes it `unknown`. Only a change of status publishes ' +
      'rcp.health.service-health-changed.v1. `observedAt` more than 30 s in the future: 400.',
  })
  reportHealth(@Param('id', UuidParam) id: string, @Body() body: HealthReportRequest, @CurrentActor() actor: Actor): Promise<HealthReportResult> {
    const checks = body.checks.map((c) => ({ service: c.service, revision: c.revision ?? null, status: c.status, latencyMs: c.latencyMs ?? null, errorRate: c.errorRate ?? null }));
    return this.commands.execute(new ReportHealthCommand(id, new Date(body.observedAt), checks, 'agent', scopeOf(actor)));
  }

  @Get('health')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get the health of an environment\'s services', description: 'Per service (and per revision, from the data plane): healthy, degraded, unhealthy or unknown, since when and why.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: EnvironmentHealthResponse, description: 'The services\' health' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  health(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<EnvironmentHealthView> {
    return this.queries.execute(new GetHealthQuery(id, scopeOf(actor)));
  }

  @Put('services/:service/scaling-policy')
  @Mutation({
    roles: TENANT_WRITERS,
    command: SetScalingPolicyCommand,
    status: 200,
    param: ID_PARAM,
    ifMatch: true,
    response: { type: SetScalingPolicyResponse, description: 'The policy as set, with the defaults filled in; ETag carries its version' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Set a service\'s scaling policy',
    description:
      'Creates or replaces the policy: replicas between `minReplicas` and `maxReplicas`, driven by the most demanding target (cpu %, rps, ' +
      'p95LatencyMs, errorRate per replica), with per-direction stabilization windows and step limits (Kubernetes HPA defaults: scale-up ' +
      'window 0 s, scale-down window 300 s, tolerance 10 %). minReplicas above maxReplicas, a target of 0 or below, an unknown metric: 400. ' +
      'An environment that is not ready: 409 precondition_failed.',
  })
  @ApiParam(SERVICE_PARAM)
  setPolicy(
    @Param('id', UuidParam) id: string,
    @Param('service') service: string,
    @Body() body: ScalingPolicyRequest,
    @CurrentActor() actor: Actor,
    @IfMatchVersion() expected?: number,
  ): Promise<ScalingPolicyView> {
    return this.commands.execute(new SetScalingPolicyCommand(id, serviceOf(service), policyOf(body), expected, scopeOf(actor)));
  }

  @Get('services/:service/scaling-policy')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a service\'s scaling policy', description: 'The policy, the decision being applied, and the last replica count it set.' })
  @ApiParam(ID_PARAM)
  @ApiParam(SERVICE_PARAM)
  @ApiOkResponse({ type: ScalingPolicyResponse, description: 'The policy; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  getPolicy(@Param('id', UuidParam) id: string, @Param('service') service: string, @CurrentActor() actor: Actor): Promise<ScalingPolicyView> {
    return this.queries.execute(new GetScalingPolicyQuery(id, serviceOf(service), scopeOf(actor)));
  }

  @Post('metrics')
  @Mutation({
    roles: ['agent', 'tenant:admin'],
    capability: 'report:metrics',
    environmentParam: 'id',
    command: RecordMetricsCommand,
    status: 200,
    param: ID_PARAM,
    response: { type: MetricsReportResponse, description: 'Per service: the decision made, or why none' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'concurrent_modification'],
  })
  @ApiOperation({
    summary: 'Report metrics (agents)',
    description:
      'Metrics of the environment\'s services from its agent. Each service with a scaling policy gets a decision: desired = ceil(current × ' +
      'observed / target) for the most demanding target, within the tolerance, the stabilization windows, the step limits, min/max, and the ' +
      'tenant\'s maxReplicasPerService and maxTotalReplicas (a decision held by a quota says so). An unhealthy service is not scaled up unless ' +
      'its policy allows it. A decision that changes replicas is sent to the data plane as a scale operation (its outcome: ' +
      'rcp.health.scaling-applied.v1 or scaling-failed.v1). `observedAt` more than 30 s in the future: 400.',
  })
  reportMetrics(@Param('id', UuidParam) id: string, @Body() body: MetricsReportRequest, @CurrentActor() actor: Actor): Promise<MetricsResult> {
    const services = body.services.map(({ service, cpu, rps, p95LatencyMs, errorRate }) => ({
      service,
      ...(cpu !== undefined ? { cpu } : {}),
      ...(rps !== undefined ? { rps } : {}),
      ...(p95LatencyMs !== undefined ? { p95LatencyMs } : {}),
      ...(errorRate !== undefined ? { errorRate } : {}),
    }));
    return this.commands.execute(new RecordMetricsCommand(id, new Date(body.observedAt), services, 'agent', scopeOf(actor)));
  }

  @Get('scaling-decisions')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List scaling decisions', description: 'Newest first, optionally of one service: inputs, what was asked for and why, and what became of it.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ScalingDecisionPageResponse, description: 'One page of decisions' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  decisions(@Param('id', UuidParam) id: string, @Query() q: ListScalingDecisionsRequest, @CurrentActor() actor: Actor): Promise<Page<ScalingDecisionView>> {
    const { limit, after } = DECISIONS_KEYSET.read(q);
    return this.queries.execute(new ListScalingDecisionsQuery(id, limit, after, q.service, scopeOf(actor)));
  }
}
