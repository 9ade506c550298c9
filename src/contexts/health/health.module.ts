/**
 * # Health (Health & Scaling)
 *
 * Owns `HealthCheckResult` (per environment, service and revision: `unknown | healthy | degraded |
 * unhealthy` with hysteresis, since when and why) and `ScalingPolicy` (per environment and service:
 * bounds, targets, per-direction behaviour, and the scaling decisions it makes, HPA-style).
 *
 * - API: `POST /v1/environments/{id}/health-reports` and `POST …/metrics` (agents),
 *   `GET …/health`, `PUT/GET …/services/{service}/scaling-policy`, `GET …/scaling-decisions`.
 * - Checks and metrics also come from the data plane: every `HEALTH_PULL_INTERVAL_SECONDS` the worker
 *   leader queues `health.pull-data-plane` per ready environment (checks from the data plane's actual
 *   state: the simulator's, or the executor's `GET …/state` with `PROVISIONER=http`; metrics from
 *   `METRICS_SOURCE`: the data plane's own `metrics` read, or Prometheus with the
 *   `PROMETHEUS_QUERY_*` templates); results without a check for `HEALTH_STALE_SECONDS` turn `unknown`.
 * - A decision that changes replicas enqueues `health.apply-scaling`, which sends a `scale` operation to
 *   the data plane through the `Scaler` port (the simulator, or with `PROVISIONER=http` the external
 *   executor, which calls back `POST /v1/executor-callbacks/scaling/{operationId}`); its outcome is
 *   `CompleteScalingCommand`.
 * - Publishes (`contracts/`): rcp.health.service-health-changed, scaling-policy-set,
 *   scaling-decision-made, scaling-applied, scaling-failed (v1).
 * - Listens to: rcp.inventory.environment-* (`health.environments`), rcp.inventory.service-* (observed
 *   replicas, `health.services`), rcp.tenancy.tenant-* (quotas, `health.tenants`).
 * - Schema: `health` (check_results, scaling_policies, scaling_decisions, environments, tenants,
 *   services), all under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, SystemClock } from '@rcp/ddd';
import { CompleteScalingHandler } from './application/commands/complete-scaling/complete-scaling.handler';
import { ExpireStaleHealthHandler } from './application/commands/expire-stale-health/expire-stale-health.handler';
import { RecordMetricsHandler } from './application/commands/record-metrics/record-metrics.handler';
import { ReportHealthHandler } from './application/commands/report-health/report-health.handler';
import { SetScalingPolicyHandler } from './application/commands/set-scaling-policy/set-scaling-policy.handler';
import { ProjectHealthRolloutOnDeploymentEventsHandler } from './application/event-handlers/project-health-rollout-on-deployment-events.handler';
import { ProjectHealthEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-health-environment-on-inventory-events.handler';
import { ProjectHealthServiceOnInventoryEventsHandler } from './application/event-handlers/project-health-service-on-inventory-events.handler';
import { ProjectHealthTenantOnTenancyEventsHandler } from './application/event-handlers/project-health-tenant-on-tenancy-events.handler';
import { HealthSchedule } from './application/health-schedule';
import { ApplyScalingJob } from './application/jobs/apply-scaling.jobs';
import { PullDataPlaneJob } from './application/jobs/pull-data-plane.jobs';
import { HealthCheckSource, MetricsSource } from './application/ports/data-plane-health.port';
import { Scaler } from './application/ports/scaler.port';
import { GetHealthHandler } from './application/queries/get-health/get-health.handler';
import { GetScalingPolicyHandler } from './application/queries/get-scaling-policy/get-scaling-policy.handler';
import { ListScalingDecisionsHandler } from './application/queries/list-scaling-decisions/list-scaling-decisions.handler';
import { HealthDirectory } from './application/read-models/health-read-models';
import { ScalingScheduler } from './application/scaling-scheduler';
import { HealthCheckResultRepository, ScalingPolicyRepository } from './domain/health.repository';
import { PrometheusMetricsSource } from './infrastructure/data-plane/prometheus.metrics-source';
import { DataPlaneHealthCheckSource, DataPlaneMetricsSource, DataPlaneReader, ExecutorDataPlaneReader, SimulatedDataPlaneReader } from './infrastructure/data-plane/data-plane.sources';
import { SimulatedScaler } from './infrastructure/data-plane/simulated.scaler';
import { HttpScaler } from './infrastructure/data-plane/http.scaler';
import { ScalingCallbacksController } from './interface/http/scaling-callbacks.controller';
import { CheckResultOrmEntity, ScalingDecisionOrmEntity, ScalingPolicyOrmEntity } from './infrastructure/health.orm-entities';
import { TypeOrmHealthDirectory } from './infrastructure/typeorm-health-directory';
import { TypeOrmHealthCheckResultRepository, TypeOrmScalingPolicyRepository } from './infrastructure/typeorm-health.repositories';
import { HealthController } from './interface/http/health.controller';

@Module({
  imports: [TypeOrmModule.forFeature([CheckResultOrmEntity, ScalingPolicyOrmEntity, ScalingDecisionOrmEntity])],
  controllers: [HealthController, ScalingCallbacksController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: HealthCheckResultRepository, useClass: TypeOrmHealthCheckResultRepository },
    { provide: ScalingPolicyRepository, useClass: TypeOrmScalingPolicyRepository },
    { provide: HealthDirectory, useClass: TypeOrmHealthDirectory },
    // The data plane: the simulator in process, or an external executor (PROVISIONER=http).
    SimulatedScaler,
    HttpScaler,
    {
      provide: Scaler,
      inject: [SETTINGS_TOKEN, SimulatedScaler, HttpScaler],
      useFactory: (s: Settings, simulated: SimulatedScaler, http: HttpScaler): Scaler => (s.PROVISIONER === 'http' ? http : simulated),
    },
    SimulatedDataPlaneReader,
    ExecutorDataPlaneReader,
    {
      provide: DataPlaneReader,
      inject: [SETTINGS_TOKEN, SimulatedDataPlaneReader, ExecutorDataPlaneReader],
      useFactory: (s: Settings, simulated: SimulatedDataPlaneReader, executor: ExecutorDataPlaneReader): DataPlaneReader => (s.PROVISIONER === 'http' ? executor : simulated),
    },
    { provide: HealthCheckSource, useClass: DataPlaneHealthCheckSource },
    DataPlaneMetricsSource,
    PrometheusMetricsSource,
    {
      provide: MetricsSource,
      inject: [SETTINGS_TOKEN, DataPlaneMetricsSource, PrometheusMetricsSource],
      useFactory: (s: Settings, dataPlane: DataPlaneMetricsSource, prometheus: PrometheusMetricsSource): MetricsSource => (s.METRICS_SOURCE === 'prometheus' ? prometheus : dataPlane),
    },
    ScalingScheduler,
    HealthSchedule,
    // commands
    ReportHealthHandler,
    SetScalingPolicyHandler,
    RecordMetricsHandler,
    CompleteScalingHandler,
    ExpireStaleHealthHandler,
    // queries
    GetHealthHandler,
    GetScalingPolicyHandler,
    ListScalingDecisionsHandler,
    // event handlers
    ProjectHealthEnvironmentOnInventoryEventsHandler,
    ProjectHealthRolloutOnDeploymentEventsHandler,
    ProjectHealthTenantOnTenancyEventsHandler,
    ProjectHealthServiceOnInventoryEventsHandler,
    // jobs
    ApplyScalingJob,
    PullDataPlaneJob,
  ],
})
export class HealthModule {}
