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
import { RuntimeDeployment, TimelineEntry } from '../domain/runtime-deployment.aggregate';
import { DeploymentOrmEntity, StoredTimelineEntry } from './deployment.orm-entity';

const evaluationData = (e: GateEvaluation | null) => (e ? { at: e.at.toISOString(), outcome: e.outcome, reasons: [...e.reasons], inputs: { ...e.inputs } } : null);

/**
 * Row ↔ aggregate (the timeline's times are ISO strings in jsonb and Dates in the domain), and the
 * domain events in their published form: every one is published (the timeline as events).
 */
export const DeploymentMapper = {
  toDomain({ version, revision: _revision, timeline, readings, ...snapshot }: DeploymentOrmEntity): RuntimeDeployment {
    return RuntimeDeployment.rehydrate(
      {
        ...snapshot,
        readings: readings.map((r) => ({ ...r, at: new Date(r.at) })),
        timeline: timeline.map(({ evaluation, ...e }): TimelineEntry => ({ ...e, at: new Date(e.at), ...(evaluation ? { evaluation: { ...evaluation, at: new Date(evaluation.at) } } : {}) })),
      },
      version,
    );
  },

  toRow(d: RuntimeDeployment): Omit<DeploymentOrmEntity, 'version'> {
    const s = d.snapshot();
    return {
      ...s,
      revision: s.release.revision,
      readings: s.readings.map((r) => ({ ...r, at: r.at.toISOString() })),
      timeline: s.timeline.map(({ evaluation, ...e }): StoredTimelineEntry => ({ ...e, at: e.at.toISOString(), ...(evaluation ? { evaluation: { ...evaluation, at: evaluation.at.toISOString() } } : {}) })),
    };
  },

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
