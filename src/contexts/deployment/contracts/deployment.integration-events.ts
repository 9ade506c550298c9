import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/**
 * Published events of the deployment context (`rcp.deployment.*.v1`): every move of a rollout (the
 * timeline as events), and `workload-deployed` once a release runs in full (drift compares the desired
 * state with it). Never a secret: bindings by name only.
 */

const ref = {
  deploymentId: { type: 'string', format: 'uuid' },
  environmentId: { type: 'string', format: 'uuid' },
  tenantId: { type: 'string' },
  projectId: { type: 'string' },
  service: { type: 'string' },
  revision: { type: 'integer', minimum: 1 },
};
const REF = ['deploymentId', 'environmentId', 'tenantId', 'projectId', 'service', 'revision'];

export interface DeploymentRefData {
  deploymentId: string;
  environmentId: string;
  tenantId: string;
  projectId: string;
  service: string;
  revision: number;
}

export interface DeploymentCreatedData extends DeploymentRefData {
  image: string;
  configVersion: number;
  configChecksum: string;
  secretBindings: string[];
  strategy: string;
  reason: string;
  cause: { findingId: string } | null;
  createdBy: string;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-created.v1',
  description: 'A deployment of a release (image, configuration version, secret binding set) was accepted; its preconditions held.',
  schema: {
    type: 'object',
    required: [...REF, 'image', 'configVersion', 'configChecksum', 'secretBindings', 'strategy', 'reason', 'cause', 'createdBy'],
    properties: {
      ...ref,
      image: { type: 'string' },
      configVersion: { type: 'integer', minimum: 1 },
      configChecksum: { type: 'string' },
      secretBindings: { type: 'array', items: { type: 'string' } },
      strategy: { enum: ['rolling', 'blue-green', 'canary'] },
      reason: { enum: ['deploy', 'rollback', 'drift-remediation'] },
      cause: { type: ['object', 'null'], required: ['findingId'], properties: { findingId: { type: 'string' } } },
      createdBy: { type: 'string' },
    },
  },
})
export class DeploymentCreatedV1 extends IntegrationEvent<DeploymentCreatedData> {}

export interface DeploymentStepStartedData extends DeploymentRefData {
  step: number;
  action: string;
  weight: number;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-step-started.v1',
  description: 'A step of the rollout started: the executor is asked to bring the new revision to its weight and replicas.',
  schema: {
    type: 'object',
    required: [...REF, 'step', 'action', 'weight'],
    properties: { ...ref, step: { type: 'integer', minimum: 0 }, action: { enum: ['apply', 'set-weight', 'pause', 'promote', 'scale-down-old'] }, weight: { type: 'integer', minimum: 0 } },
  },
})
export class DeploymentStepStartedV1 extends IntegrationEvent<DeploymentStepStartedData> {}

export interface DeploymentPausedData extends DeploymentRefData {
  step: number;
  until: string | null;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-paused.v1',
  description: 'The rollout holds at a pause step, until a time or (until null) until promoted or resumed.',
  schema: { type: 'object', required: [...REF, 'step', 'until'], properties: { ...ref, step: { type: 'integer', minimum: 0 }, until: { type: ['string', 'null'], format: 'date-time' } } },
})
export class DeploymentPausedV1 extends IntegrationEvent<DeploymentPausedData> {}

export interface DeploymentVerifyingData extends DeploymentRefData {
  step: number;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-verifying.v1',
  description: 'A step was applied; the health gate of the new revision is being judged.',
  schema: { type: 'object', required: [...REF, 'step'], properties: { ...ref, step: { type: 'integer', minimum: 0 } } },
})
export class DeploymentVerifyingV1 extends IntegrationEvent<DeploymentVerifyingData> {}

export interface DeploymentPromotedData extends DeploymentRefData {
  fromStep: number;
  by: string;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-promoted.v1',
  description: 'A person promoted the rollout: its remaining pauses are skipped (blue-green: the traffic switches).',
  schema: { type: 'object', required: [...REF, 'fromStep', 'by'], properties: { ...ref, fromStep: { type: 'integer', minimum: 0 }, by: { type: 'string' } } },
})
export class DeploymentPromotedV1 extends IntegrationEvent<DeploymentPromotedData> {}

export interface DeploymentSucceededData extends DeploymentRefData {
  image: string;
  configVersion: number;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-succeeded.v1',
  description: 'The rollout finished: every step applied and every verification passed.',
  schema: { type: 'object', required: [...REF, 'image', 'configVersion'], properties: { ...ref, image: { type: 'string' }, configVersion: { type: 'integer', minimum: 1 } } },
})
export class DeploymentSucceededV1 extends IntegrationEvent<DeploymentSucceededData> {}

export interface WorkloadDeployedData extends DeploymentRefData {
  image: string;
  configVersion: number;
  configChecksum: string;
  secretBindings: string[];
  replicas: number;
}
@PublishedEvent({
  type: 'rcp.deployment.workload-deployed.v1',
  description: 'A release runs in full in the environment: image, configuration checksum, secret bindings and replicas, as the deployment intended them.',
  schema: {
    type: 'object',
    required: [...REF, 'image', 'configVersion', 'configChecksum', 'secretBindings', 'replicas'],
    properties: {
      ...ref,
      image: { type: 'string' },
      configVersion: { type: 'integer', minimum: 1 },
      configChecksum: { type: 'string' },
      secretBindings: { type: 'array', items: { type: 'string' } },
      replicas: { type: 'integer', minimum: 1 },
    },
  },
})
export class WorkloadDeployedV1 extends IntegrationEvent<WorkloadDeployedData> {}

export interface DeploymentFailedData extends DeploymentRefData {
  reason: string;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-failed.v1',
  description: 'The rollout failed and could not be rolled back (a first deployment has nothing to roll back to), or the executor could not carry it out.',
  schema: { type: 'object', required: [...REF, 'reason'], properties: { ...ref, reason: { type: 'string' } } },
})
export class DeploymentFailedV1 extends IntegrationEvent<DeploymentFailedData> {}

const evaluation = {
  type: ['object', 'null'],
  required: ['at', 'outcome', 'reasons', 'inputs'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    outcome: { enum: ['pass', 'fail', 'inconclusive'] },
    reasons: { type: 'array', items: { type: 'string' } },
    inputs: {
      type: 'object',
      required: ['health', 'healthySeconds', 'samples', 'errorRate', 'p95LatencyMs', 'elapsedSeconds'],
      properties: {
        health: { enum: ['unknown', 'healthy', 'degraded', 'unhealthy', 'no source'] },
        healthySeconds: { type: 'integer' },
        samples: { type: 'integer' },
        errorRate: { type: ['number', 'null'] },
        p95LatencyMs: { type: ['number', 'null'] },
        elapsedSeconds: { type: 'integer' },
      },
    },
  },
};

export interface GateEvaluationData {
  at: string;
  outcome: 'pass' | 'fail' | 'inconclusive';
  reasons: string[];
  inputs: { health: string; healthySeconds: number; samples: number; errorRate: number | null; p95LatencyMs: number | null; elapsedSeconds: number };
}

export interface DeploymentRollbackStartedData extends DeploymentRefData {
  toRevision: number;
  reason: string;
  evaluation: GateEvaluationData | null;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-rollback-started.v1',
  description: 'The rollout is being rolled back to the previous succeeded revision (image, configuration and secrets together): by its health gate, with the evaluation that decided it, or by a person.',
  schema: { type: 'object', required: [...REF, 'toRevision', 'reason', 'evaluation'], properties: { ...ref, toRevision: { type: 'integer', minimum: 1 }, reason: { type: 'string' }, evaluation } },
})
export class DeploymentRollbackStartedV1 extends IntegrationEvent<DeploymentRollbackStartedData> {}

export interface DeploymentRolledBackData extends DeploymentRefData {
  toRevision: number;
  reason: string;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-rolled-back.v1',
  description: 'The previous succeeded revision runs again, in full.',
  schema: { type: 'object', required: [...REF, 'toRevision', 'reason'], properties: { ...ref, toRevision: { type: 'integer', minimum: 1 }, reason: { type: 'string' } } },
})
export class DeploymentRolledBackV1 extends IntegrationEvent<DeploymentRolledBackData> {}

export interface DeploymentAbortedData extends DeploymentRefData {
  by: string;
  reason: string;
}
@PublishedEvent({
  type: 'rcp.deployment.deployment-aborted.v1',
  description: 'A person aborted the rollout: it stops, and the previous revision takes all traffic again.',
  schema: { type: 'object', required: [...REF, 'by', 'reason'], properties: { ...ref, by: { type: 'string' }, reason: { type: 'string' } } },
})
export class DeploymentAbortedV1 extends IntegrationEvent<DeploymentAbortedData> {}
