/**
 * # Drift
 *
 * Owns `RuntimeDriftFinding` and `EnvironmentDrift`: what Git declares for each environment (immutable
 * desired-state snapshots posted by a GitOps pipeline; the newest wins), reconciled against what runs,
 * divergence kept as deduplicated findings with their evidence, remediated by corrective deployments
 * when the environment's policy says so (or a person asks), never in a loop, never re-applying an image
 * its health gate rolled back while the desired state that names it stands.
 *
 * - API: `PUT/GET /v1/environments/{id}/desired-state`, `GET /v1/environments/{id}/desired-states` (history), `POST /v1/environments/{id}/reconcile` (202),
 *   `PUT/GET /v1/environments/{id}/remediation-policy`, `GET /v1/environments/{id}/drift`,
 *   `GET /v1/drift-findings`, `GET /v1/drift-findings/{id}`, `POST /v1/drift-findings/{id}/remediate` · `/suppress`.
 * - Rules (domain/): the comparison and its kinds, the scaling exception and fingerprints
 *   (`reconciliation.ts`); the desired state's validation (`desired-state.ts`); the policy, its windows,
 *   the choice of corrective action and the loop guard (`remediation-policy.ts`); the finding's lifecycle.
 * - Triggers: the schedule (`drift.schedule` on the worker leader hands due environments out as
 *   `drift.reconcile-batch` jobs; every DRIFT_RECONCILE_INTERVAL_SECONDS with jitter, or the policy's
 *   interval), on demand (`drift.reconcile`), and every change of desired state, actual state, health or
 *   a rollout's end (debounced by DRIFT_DEBOUNCE_SECONDS). A per-environment lock keeps runs apart.
 * - Publishes (`contracts/`): rcp.drift.desired-state-recorded, drift-detected, drift-resolved,
 *   remediation-requested, remediation-failed, finding-suppressed, finding-quarantined,
 *   reconciliation-completed (v1).
 * - Listens to: inventory (environments, services: the actual state), health (health, scaling policies
 *   and decisions), deployment (releases, rollouts, outcomes of corrective deployments).
 * - Schema: `drift`, all under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, SystemClock } from '@rcp/ddd';
import { ReconcileEnvironmentHandler } from './application/commands/reconcile-environment/reconcile-environment.handler';
import { RecordDesiredStateHandler } from './application/commands/record-desired-state/record-desired-state.handler';
import { RecordRemediationOutcomeHandler } from './application/commands/record-remediation-outcome/record-remediation-outcome.handler';
import { RemediateFindingHandler } from './application/commands/remediate-finding/remediate-finding.handler';
import { RequestReconciliationHandler } from './application/commands/request-reconciliation/request-reconciliation.handler';
import { SetRemediationPolicyHandler } from './application/commands/set-remediation-policy/set-remediation-policy.handler';
import { SuppressFindingHandler } from './application/commands/suppress-finding/suppress-finding.handler';
import { DriftScheduler } from './application/drift-scheduler';
import { ProjectDriftEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-drift-environment-on-inventory-events.handler';
import { ProjectDriftReleaseOnDeploymentEventsHandler } from './application/event-handlers/project-drift-release-on-deployment-events.handler';
import { ProjectDriftServiceOnInventoryEventsHandler } from './application/event-handlers/project-drift-service-on-inventory-events.handler';
import { ProjectDriftSignalsOnHealthEventsHandler } from './application/event-handlers/project-drift-signals-on-health-events.handler';
import { TrackRemediationOnDeploymentEventsHandler } from './application/event-handlers/track-remediation-on-deployment-events.handler';
import { ReconcileBatchJob, ReconcileEnvironmentJob } from './application/jobs/reconcile.jobs';
import { GetDesiredStateHandler } from './application/queries/get-desired-state/get-desired-state.handler';
import { GetDriftFindingHandler } from './application/queries/get-drift-finding/get-drift-finding.handler';
import { GetEnvironmentDriftHandler } from './application/queries/get-environment-drift/get-environment-drift.handler';
import { GetRemediationPolicyHandler } from './application/queries/get-remediation-policy/get-remediation-policy.handler';
import { ListDesiredStatesHandler } from './application/queries/list-desired-states/list-desired-states.handler';
import { ListDriftFindingsHandler } from './application/queries/list-drift-findings/list-drift-findings.handler';
import { DriftDirectory } from './application/read-models/drift-read-models';
import { DriftFindingRepository, EnvironmentDriftRepository } from './domain/drift.repository';
import { DriftFindingOrmEntity, EnvironmentDriftOrmEntity } from './infrastructure/drift.orm-entities';
import { TypeOrmDriftDirectory } from './infrastructure/typeorm-drift-directory';
import { TypeOrmDriftFindingRepository, TypeOrmEnvironmentDriftRepository } from './infrastructure/typeorm-drift.repositories';
import { DriftFindingsController } from './interface/http/drift-findings.controller';
import { EnvironmentDriftController } from './interface/http/environment-drift.controller';

@Module({
  imports: [TypeOrmModule.forFeature([EnvironmentDriftOrmEntity, DriftFindingOrmEntity])],
  controllers: [EnvironmentDriftController, DriftFindingsController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: EnvironmentDriftRepository, useClass: TypeOrmEnvironmentDriftRepository },
    { provide: DriftFindingRepository, useClass: TypeOrmDriftFindingRepository },
    { provide: DriftDirectory, useClass: TypeOrmDriftDirectory },
    DriftScheduler,
    // commands
    RecordDesiredStateHandler,
    SetRemediationPolicyHandler,
    RequestReconciliationHandler,
    ReconcileEnvironmentHandler,
    RemediateFindingHandler,
    SuppressFindingHandler,
    RecordRemediationOutcomeHandler,
    // queries
    GetDesiredStateHandler,
    ListDesiredStatesHandler,
    GetRemediationPolicyHandler,
    GetEnvironmentDriftHandler,
    GetDriftFindingHandler,
    ListDriftFindingsHandler,
    // read models of the other contexts' events, and the outcomes of corrective deployments
    ProjectDriftEnvironmentOnInventoryEventsHandler,
    ProjectDriftServiceOnInventoryEventsHandler,
    ProjectDriftSignalsOnHealthEventsHandler,
    ProjectDriftReleaseOnDeploymentEventsHandler,
    TrackRemediationOnDeploymentEventsHandler,
    // jobs
    ReconcileEnvironmentJob,
    ReconcileBatchJob,
  ],
})
export class DriftModule {}
