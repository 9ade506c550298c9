import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/**
 * Published events of the health context (`rcp.health.*.v1`): changes of a service's health (the
 * deployment context verifies rollouts with them) and the scaling policy's decisions and their outcome
 * (the drift context tells an intended replica change from drift with them).
 */

const ref = {
  environmentId: { type: 'string', format: 'uuid' },
  tenantId: { type: 'string' },
  projectId: { type: 'string' },
  service: { type: 'string' },
};
const REF = ['environmentId', 'tenantId', 'projectId', 'service'];
const status = { enum: ['unknown', 'healthy', 'degraded', 'unhealthy'] };

interface ServiceRef {
  environmentId: string;
  tenantId: string;
  projectId: string;
  service: string;
}

export type HealthStatusName = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

export interface ServiceHealthChangedData extends ServiceRef {
  revision: string | null;
  status: HealthStatusName;
  previousStatus: HealthStatusName;
  reason: string;
  since: string;
}
@PublishedEvent({
  type: 'rcp.health.service-health-changed.v1',
  description: 'The health of a service (or of one revision of it) changed, after hysteresis; a steady stream of the same checks publishes nothing.',
  schema: {
    type: 'object',
    required: [...REF, 'revision', 'status', 'previousStatus', 'reason', 'since'],
    properties: { ...ref, revision: { type: ['string', 'null'] }, status, previousStatus: status, reason: { type: 'string' }, since: { type: 'string', format: 'date-time' } },
  },
})
export class ServiceHealthChangedV1 extends IntegrationEvent<ServiceHealthChangedData> {}

export interface ScalingPolicyData {
  minReplicas: number;
  maxReplicas: number;
  targets: Array<{ metric: 'cpu' | 'rps' | 'p95LatencyMs' | 'errorRate'; value: number }>;
  scaleUp: { stabilizationSeconds: number; maxStep: number | null };
  scaleDown: { stabilizationSeconds: number; maxStep: number | null };
  tolerance: number;
  scaleUpWhenUnhealthy: boolean;
}
const direction = { type: 'object', required: ['stabilizationSeconds', 'maxStep'], properties: { stabilizationSeconds: { type: 'integer', minimum: 0 }, maxStep: { type: ['integer', 'null'] } } };

export interface ScalingPolicySetData extends ServiceRef {
  policyId: string;
  policy: ScalingPolicyData;
}
@PublishedEvent({
  type: 'rcp.health.scaling-policy-set.v1',
  description: 'The scaling policy of a service in an environment was set or changed.',
  schema: {
    type: 'object',
    required: [...REF, 'policyId', 'policy'],
    properties: {
      ...ref,
      policyId: { type: 'string', format: 'uuid' },
      policy: {
        type: 'object',
        required: ['minReplicas', 'maxReplicas', 'targets', 'scaleUp', 'scaleDown', 'tolerance', 'scaleUpWhenUnhealthy'],
        properties: {
          minReplicas: { type: 'integer', minimum: 0 },
          maxReplicas: { type: 'integer', minimum: 1 },
          targets: { type: 'array', items: { type: 'object', required: ['metric', 'value'], properties: { metric: { enum: ['cpu', 'rps', 'p95LatencyMs', 'errorRate'] }, value: { type: 'number' } } } },
          scaleUp: direction,
          scaleDown: direction,
          tolerance: { type: 'number', minimum: 0 },
          scaleUpWhenUnhealthy: { type: 'boolean' },
        },
      },
    },
  },
})
export class ScalingPolicySetV1 extends IntegrationEvent<ScalingPolicySetData> {}

export interface ScalingDecisionMadeData extends ServiceRef {
  decisionId: string;
  currentReplicas: number;
  desiredReplicas: number;
  reasons: string[];
  cappedBy: string | null;
}
@PublishedEvent({
  type: 'rcp.health.scaling-decision-made.v1',
  description: 'A scaling decision was made from a metric report: the replicas it asks for and why (desired equals current when a bound such as a quota held it).',
  schema: {
    type: 'object',
    required: [...REF, 'decisionId', 'currentReplicas', 'desiredReplicas', 'reasons', 'cappedBy'],
    properties: {
      ...ref,
      decisionId: { type: 'string', format: 'uuid' },
      currentReplicas: { type: 'integer', minimum: 0 },
      desiredReplicas: { type: 'integer', minimum: 0 },
      reasons: { type: 'array', items: { type: 'string' } },
      cappedBy: { type: ['string', 'null'] },
    },
  },
})
export class ScalingDecisionMadeV1 extends IntegrationEvent<ScalingDecisionMadeData> {}

export interface ScalingAppliedData extends ServiceRef {
  decisionId: string;
  replicas: number;
  operationId: string;
}
@PublishedEvent({
  type: 'rcp.health.scaling-applied.v1',
  description: 'The data plane ran the scale operation of a decision: the service now has that many replicas (as desired).',
  schema: {
    type: 'object',
    required: [...REF, 'decisionId', 'replicas', 'operationId'],
    properties: { ...ref, decisionId: { type: 'string', format: 'uuid' }, replicas: { type: 'integer', minimum: 0 }, operationId: { type: 'string', format: 'uuid' } },
  },
})
export class ScalingAppliedV1 extends IntegrationEvent<ScalingAppliedData> {}

export interface ScalingFailedData extends ServiceRef {
  decisionId: string;
  replicas: number;
  operationId: string | null;
  reason: string;
}
@PublishedEvent({
  type: 'rcp.health.scaling-failed.v1',
  description: 'The scale operation of a decision failed (the reason is phrased by the control plane).',
  schema: {
    type: 'object',
    required: [...REF, 'decisionId', 'replicas', 'operationId', 'reason'],
    properties: { ...ref, decisionId: { type: 'string', format: 'uuid' }, replicas: { type: 'integer', minimum: 0 }, operationId: { type: ['string', 'null'] }, reason: { type: 'string' } },
  },
})
export class ScalingFailedV1 extends IntegrationEvent<ScalingFailedData> {}
