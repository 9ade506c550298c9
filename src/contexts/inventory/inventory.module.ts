/**
 * # Inventory (Runtime Environment & Inventory)
 *
 * Owns `RuntimeEnvironment` (a tenant's runtime environment and its lifecycle
 * `requested → provisioning → ready | failed`, `ready | failed → decommissioning → decommissioned`,
 * `failed → requested` on retry) and `RuntimeServiceInventory` (the live `RuntimeService` rows of one
 * environment, the actual-state baseline other contexts compare against).
 *
 * - API: `POST/GET /v1/environments`, `GET/DELETE /v1/environments/{id}`, `POST /v1/environments/{id}/retry`,
 *   `GET /v1/environments/{id}/services`, `PUT /v1/environments/{id}/actual-state` (agents), and
 *   `POST /v1/executor-callbacks/{operationId}` (external executors, HMAC-signed).
 * - Provisioning runs in the background through the `Provisioner` port, one *operation* per attempt:
 *   job `inventory.provision-environment` starts an attempt, `inventory.dispatch-operation` hands it to
 *   the provisioner, the outcome comes back through `CompleteOperationCommand`; failed attempts are
 *   retried with backoff (3 attempts), then the environment is `failed` with a reason;
 *   `inventory.provisioning-timeout` fails a round still running after `PROVISION_TIMEOUT_SECONDS`.
 *   Decommissioning works the same way (`inventory.decommission-environment`). The job a round starts
 *   with is the `jobId` of the 202: it stays `running` until the round ends; the other jobs are its steps.
 *   Adapters (`PROVISIONER`): `simulated` (default: the simulated data plane of libs/simulator;
 *   `SIMULATED_*`, labels `rcp.dev/simulate-failure` and `rcp.dev/simulate-latency-ms`) and `http`
 *   (signed POST to `EXECUTOR_URL/operations`, callbacks to
 *   `PUBLIC_BASE_URL/v1/executor-callbacks/{operationId}`; `docs/executor-protocol.md`).
 * - What runs comes back two ways: agents push reports (`PUT …/actual-state`), and inventory pulls it
 *   from the data plane through the `ActualStateSource` port (job `inventory.pull-actual-state`, one
 *   open per environment): for every ready environment every `ACTUAL_STATE_PULL_INTERVAL_SECONDS`, and
 *   right after an environment becomes ready. Both go through `ReportActualStateCommand`.
 * - Publishes (`contracts/`): rcp.inventory.environment-requested, -provisioning-started,
 *   -provisioning-attempt-failed, -ready, -provisioning-failed, -retry-requested, -decommissioning,
 *   -decommissioning-failed, -decommissioned, service-observed, -changed, -removed (v1).
 * - Listens to: rcp.tenancy.tenant-onboarded, -quotas-changed, -isolation-changed, -suspended,
 *   -reactivated, -offboarded (the local tenant read model: placement, quotas, lifecycle, which gate
 *   and place new environments); on -offboarded every environment of the tenant is decommissioned, and
 *   on -suspended every environment requested after the suspension (both under the read model's row
 *   lock, so no request in flight slips through).
 *   And to its own environment-decommissioned (the environment's live inventory is emptied) and
 *   environment-ready (what runs in it is pulled at once).
 * - Schema: `inventory` (environments, service_inventories, runtime_services, tenants,
 *   executor_callbacks), all under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, SystemClock } from '@rcp/ddd';
import { ClearServiceInventoryHandler } from './application/commands/clear-service-inventory/clear-service-inventory.handler';
import { CompleteOperationHandler } from './application/commands/complete-operation/complete-operation.handler';
import { DecommissionEnvironmentHandler } from './application/commands/decommission-environment/decommission-environment.handler';
import { DispatchOperationHandler } from './application/commands/dispatch-operation/dispatch-operation.handler';
import { ReportActualStateHandler } from './application/commands/report-actual-state/report-actual-state.handler';
import { RequestEnvironmentHandler } from './application/commands/request-environment/request-environment.handler';
import { RetryEnvironmentHandler } from './application/commands/retry-environment/retry-environment.handler';
import { StartOperationAttemptHandler } from './application/commands/start-operation-attempt/start-operation-attempt.handler';
import { TimeOutProvisioningHandler } from './application/commands/time-out-provisioning/time-out-provisioning.handler';
import { ClearInventoryOnEnvironmentDecommissionedHandler } from './application/event-handlers/clear-inventory-on-environment-decommissioned.handler';
import { DecommissionEnvironmentsOnTenantOffboardedHandler } from './application/event-handlers/decommission-environments-on-tenant-offboarded.handler';
import { DecommissionLateRequestsOnTenantSuspendedHandler } from './application/event-handlers/decommission-late-requests-on-tenant-suspended.handler';
import { ProjectTenantOnTenancyEventsHandler } from './application/event-handlers/project-tenant-on-tenancy-events.handler';
import { DecommissionEnvironmentJob, DispatchOperationJob, ProvisionEnvironmentJob, ProvisioningTimeoutJob } from './application/jobs/provisioning.jobs';
import { ExecutorCallbackLog } from './application/ports/executor-callback-log.port';
import { Provisioner } from './application/ports/provisioner.port';
import { ActualStateSource } from './application/ports/actual-state-source.port';
import { ActualStatePuller } from './application/actual-state-puller';
import { TenantTeardown } from './application/tenant-teardown';
import { PullActualStateJob } from './application/jobs/actual-state.jobs';
import { PullActualStateOnEnvironmentReadyHandler } from './application/event-handlers/pull-actual-state-on-environment-ready.handler';
import { HttpActualStateSource } from './infrastructure/data-plane/http-actual-state.source';
import { SimulatedActualStateSource } from './infrastructure/data-plane/simulated-actual-state.source';
import { ProvisioningScheduler } from './application/provisioning-scheduler';
import { GetEnvironmentHandler } from './application/queries/get-environment/get-environment.handler';
import { ListEnvironmentsHandler } from './application/queries/list-environments/list-environments.handler';
import { ListServicesHandler } from './application/queries/list-services/list-services.handler';
import { TenantReadModel } from './application/read-models/tenant-read-model';
import { RuntimeEnvironmentRepository, ServiceInventoryRepository } from './domain/inventory.repository';
import { EnvironmentOrmEntity } from './infrastructure/environment.orm-entity';
import { HttpProvisioner } from './infrastructure/provisioning/http.provisioner';
import { SimulatedProvisioner } from './infrastructure/provisioning/simulated.provisioner';
import { RuntimeServiceOrmEntity, ServiceInventoryOrmEntity } from './infrastructure/service-inventory.orm-entity';
import { TypeOrmEnvironmentRepository } from './infrastructure/typeorm-environment.repository';
import { TypeOrmExecutorCallbackLog } from './infrastructure/typeorm-executor-callback.log';
import { TypeOrmServiceInventoryRepository } from './infrastructure/typeorm-service-inventory.repository';
import { TypeOrmTenantReadModel } from './infrastructure/typeorm-tenant-read-model';
import { EnvironmentsController } from './interface/http/environments.controller';
import { ExecutorCallbacksController } from './interface/http/executor-callbacks.controller';
import { ExecutorSignatureGuard } from '@rcp/executor';

@Module({
  imports: [TypeOrmModule.forFeature([EnvironmentOrmEntity, ServiceInventoryOrmEntity, RuntimeServiceOrmEntity])],
  controllers: [EnvironmentsController, ExecutorCallbacksController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: RuntimeEnvironmentRepository, useClass: TypeOrmEnvironmentRepository },
    { provide: ServiceInventoryRepository, useClass: TypeOrmServiceInventoryRepository },
    { provide: TenantReadModel, useClass: TypeOrmTenantReadModel },
    { provide: ExecutorCallbackLog, useClass: TypeOrmExecutorCallbackLog },
    SimulatedProvisioner,
    HttpProvisioner,
    {
      provide: Provisioner,
      inject: [SETTINGS_TOKEN, SimulatedProvisioner, HttpProvisioner],
      useFactory: (s: Settings, simulated: SimulatedProvisioner, http: HttpProvisioner): Provisioner => (s.PROVISIONER === 'http' ? http : simulated),
    },
    SimulatedActualStateSource,
    HttpActualStateSource,
    {
      provide: ActualStateSource,
      inject: [SETTINGS_TOKEN, SimulatedActualStateSource, HttpActualStateSource],
      useFactory: (s: Settings, simulated: SimulatedActualStateSource, http: HttpActualStateSource): ActualStateSource => (s.PROVISIONER === 'http' ? http : simulated),
    },
    ProvisioningScheduler,
    ActualStatePuller,
    TenantTeardown,
    ExecutorSignatureGuard,
    // commands
    RequestEnvironmentHandler,
    DecommissionEnvironmentHandler,
    RetryEnvironmentHandler,
    StartOperationAttemptHandler,
    DispatchOperationHandler,
    CompleteOperationHandler,
    TimeOutProvisioningHandler,
    ReportActualStateHandler,
    ClearServiceInventoryHandler,
    // queries
    GetEnvironmentHandler,
    ListEnvironmentsHandler,
    ListServicesHandler,
    // event handlers
    ProjectTenantOnTenancyEventsHandler,
    DecommissionEnvironmentsOnTenantOffboardedHandler,
    DecommissionLateRequestsOnTenantSuspendedHandler,
    ClearInventoryOnEnvironmentDecommissionedHandler,
    PullActualStateOnEnvironmentReadyHandler,
    // jobs
    ProvisionEnvironmentJob,
    DecommissionEnvironmentJob,
    DispatchOperationJob,
    ProvisioningTimeoutJob,
    PullActualStateJob,
  ],
})
export class InventoryModule {}
