import { publishing } from '@rcp/messaging';
import {
  DeploymentAbortedV1,
  DeploymentCreatedV1,
  DeploymentFailedV1,
  DeploymentPausedV1,
  DeploymentPromotedV1,
  DeploymentRollbackStartedV1,
  DeploymentRolledBackV1,
  DeploymentStepStartedV1,
  DeploymentSucceededV1,
  DeploymentVerifyingV1,
  WorkloadDeployedV1,
} from '../contracts';
import { DeploymentEvent } from '../domain/deployment.domain-events';
import { GateEvaluation } from '../domain/health-gate';

const evaluationData = (e: GateEvaluation | null) => (e ? { at: e.at.toISOString(), outcome: e.outcome, reasons: [...e.reasons], inputs: { ...e.inputs } } : null);

/** A deployment's domain events in their published form: every one is published (the timeline as events). */
export const DeploymentMapper = {
  toIntegrationEvents: publishing<DeploymentEvent>({
    DeploymentCreated: (e) => new DeploymentCreatedV1({ ...e.payload, secretBindings: [...e.payload.secretBindings], deploymentId: e.aggregateId }),
    DeploymentStepStarted: (e) => new DeploymentStepStartedV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentPaused: (e) => new DeploymentPausedV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentVerifying: (e) => new DeploymentVerifyingV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentPromoted: (e) => new DeploymentPromotedV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentSucceeded: (e) => new DeploymentSucceededV1({ ...e.payload, deploymentId: e.aggregateId }),
    WorkloadDeployed: (e) => new WorkloadDeployedV1({ ...e.payload, secretBindings: [...e.payload.secretBindings], deploymentId: e.aggregateId }),
    DeploymentFailed: (e) => new DeploymentFailedV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentRollbackStarted: (e) => new DeploymentRollbackStartedV1({ ...e.payload, evaluation: evaluationData(e.payload.evaluation), deploymentId: e.aggregateId }),
    DeploymentRolledBack: (e) => new DeploymentRolledBackV1({ ...e.payload, deploymentId: e.aggregateId }),
    DeploymentAborted: (e) => new DeploymentAbortedV1({ ...e.payload, deploymentId: e.aggregateId }),
  }),
};
