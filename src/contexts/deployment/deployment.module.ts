/**
 * # Deployment
 *
 * Owns `RuntimeDeployment`: rollouts of a release (image, configuration version, secret binding set) of
 * one service in one environment, by strategy (`rolling`, `blue-green`, `canary` as Argo Rollouts
 * writes it), every step verified against a health gate (pass, fail or inconclusive, stored with its
 * inputs), promoted, and rolled back (image, configuration and secrets together) by itself when the gate
 * fails or on request.
 *
 * - API: `POST/GET /v1/deployments`, `GET /v1/deployments/{id}` (with its timeline),
 *   `POST /v1/deployments/{id}/promote` · `/rollback` · `/abort` · `/resume`, and the executor's
 *   `POST /v1/executor-callbacks/deployments/{operationId}`.
 * - Rules (domain/): the state machine of API.md (`DEPLOYMENT_LIFECYCLE`), step plans and the replicas a
 *   rollout adds (`rollout-strategy.ts`), the gate (`health-gate.ts`: fails closed without a health
 *   source; inconclusive fails at the timeout), preconditions with every reason (`deployment-preconditions.ts`),
 *   one unfinished rollout per service (also a partial unique index).
 * - Ports: `WorkloadExecutor` (the simulated data plane, or an external executor with `PROVISIONER=http`):
 *   `apply-revision` and `remove` operations, one at a time, their outcomes moving the rollout on;
 *   per-revision metrics for the gate.
 * - Jobs: `deployment.dispatch-operation`, `deployment.evaluate-gate` (every
 *   DEPLOYMENT_GATE_INTERVAL_SECONDS while verifying), `deployment.end-pause` (a delayed job: a rollout
 *   survives a worker restart during a pause).
 * - Publishes (`contracts/`): rcp.deployment.deployment-created, -step-started, -paused, -verifying,
 *   -promoted, -succeeded, -failed, -rollback-started, -rolled-back, -aborted, and workload-deployed (v1).
 * - Listens to: inventory (environments, services), tenancy (lifecycle, replica quotas), configuration
 *   (versions, bindings), health (health per revision): its read models, never their tables; and drift's
 *   remediation requests, answered with a corrective deployment (reason drift-remediation, `cause.findingId`;
 *   unmet preconditions fail it, recorded with its reasons).
 * - Schema: `deployment` (deployments and the read models), all under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, SystemClock } from '@rcp/ddd';
import { ExecutorSignatureGuard } from '@rcp/executor';
import { ChangeDeploymentHandler } from './application/commands/change-deployment/change-deployment.handler';
import { CreateCorrectiveDeploymentHandler } from './application/commands/create-corrective-deployment/create-corrective-deployment.handler';
import { CompleteDeploymentOperationHandler } from './application/commands/complete-deployment-operation/complete-deployment-operation.handler';
import { CreateDeploymentHandler } from './application/commands/create-deployment/create-deployment.handler';
import { DispatchDeploymentOperationHandler } from './application/commands/dispatch-deployment-operation/dispatch-deployment-operation.handler';
import { EndDeploymentPauseHandler } from './application/commands/end-deployment-pause/end-deployment-pause.handler';
import { EvaluateHealthGateHandler } from './application/commands/evaluate-health-gate/evaluate-health-gate.handler';
import { CreateCorrectiveDeploymentOnRemediationRequestedHandler } from './application/event-handlers/create-corrective-deployment-on-remediation-requested.handler';
import { ProjectDeploymentConfigurationOnConfigurationEventsHandler } from './application/event-handlers/project-deployment-configuration-on-configuration-events.handler';
import { ProjectDeploymentEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-deployment-environment-on-inventory-events.handler';
import { ProjectDeploymentHealthOnServiceHealthChangedHandler } from './application/event-handlers/project-deployment-health-on-service-health-changed.handler';
import { ProjectDeploymentServiceOnInventoryEventsHandler } from './application/event-handlers/project-deployment-service-on-inventory-events.handler';
import { ProjectDeploymentTenantOnTenancyEventsHandler } from './application/event-handlers/project-deployment-tenant-on-tenancy-events.handler';
import { DispatchDeploymentOperationJob, EndDeploymentPauseJob, EvaluateHealthGateJob } from './application/jobs/rollout.jobs';
import { WorkloadExecutor } from './application/ports/workload-executor.port';
import { GetDeploymentHandler } from './application/queries/get-deployment/get-deployment.handler';
import { ListDeploymentsHandler } from './application/queries/list-deployments/list-deployments.handler';
import { DeploymentDirectory } from './application/read-models/deployment-read-models';
import { RolloutDriver } from './application/rollout-driver';
import { DeploymentRepository } from './domain/deployment.repository';
import { DeploymentOrmEntity } from './infrastructure/deployment.orm-entity';
import { HttpWorkloadExecutor } from './infrastructure/executor/http.workload-executor';
import { SimulatedWorkloadExecutor } from './infrastructure/executor/simulated.workload-executor';
import { TypeOrmDeploymentDirectory } from './infrastructure/typeorm-deployment-directory';
import { TypeOrmDeploymentRepository } from './infrastructure/typeorm-deployment.repository';
import { DeploymentCallbacksController } from './interface/http/deployment-callbacks.controller';
import { DeploymentsController } from './interface/http/deployments.controller';

@Module({
  imports: [TypeOrmModule.forFeature([DeploymentOrmEntity])],
  controllers: [DeploymentsController, DeploymentCallbacksController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: DeploymentRepository, useClass: TypeOrmDeploymentRepository },
    { provide: DeploymentDirectory, useClass: TypeOrmDeploymentDirectory },
    // The data plane: the simulator in process, or an external executor (PROVISIONER=http).
    SimulatedWorkloadExecutor,
    HttpWorkloadExecutor,
    {
      provide: WorkloadExecutor,
      inject: [SETTINGS_TOKEN, SimulatedWorkloadExecutor, HttpWorkloadExecutor],
      useFactory: (s: Settings, simulated: SimulatedWorkloadExecutor, http: HttpWorkloadExecutor): WorkloadExecutor => (s.PROVISIONER === 'http' ? http : simulated),
    },
    ExecutorSignatureGuard,
    RolloutDriver,
    // commands
    CreateDeploymentHandler,
    DispatchDeploymentOperationHandler,
    CompleteDeploymentOperationHandler,
    EvaluateHealthGateHandler,
    EndDeploymentPauseHandler,
    ChangeDeploymentHandler,
    CreateCorrectiveDeploymentHandler,
    // queries
    GetDeploymentHandler,
    ListDeploymentsHandler,
    // read models of the other contexts' events
    ProjectDeploymentEnvironmentOnInventoryEventsHandler,
    ProjectDeploymentServiceOnInventoryEventsHandler,
    ProjectDeploymentTenantOnTenancyEventsHandler,
    ProjectDeploymentConfigurationOnConfigurationEventsHandler,
    ProjectDeploymentHealthOnServiceHealthChangedHandler,
    // drift's remediation requests
    CreateCorrectiveDeploymentOnRemediationRequestedHandler,
    // jobs
    DispatchDeploymentOperationJob,
    EvaluateHealthGateJob,
    EndDeploymentPauseJob,
  ],
  exports: [DeploymentRepository],
})
export class DeploymentModule {}
