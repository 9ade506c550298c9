import { Serialized, serialized, without } from '@rcp/ddd';
import { HealthCheckResultSnapshot } from '../domain/health-check-result.aggregate';
import { ScalingDecision, ScalingPolicySnapshot } from '../domain/scaling-policy.aggregate';

/** One service's (or revision's) health as its readers see it. */
export type HealthView = Serialized<Omit<HealthCheckResultSnapshot, 'id' | 'tenantId' | 'projectId' | 'environmentId' | 'createdAt' | 'consecutivePasses'>>;

export function healthView(s: HealthCheckResultSnapshot): HealthView {
  return serialized(without(s, 'id', 'tenantId', 'projectId', 'environmentId', 'createdAt', 'consecutivePasses'));
}

export interface EnvironmentHealthView {
  environmentId: string;
  services: HealthView[];
}

/** A scaling policy as its readers see it: without its internal stabilization history. */
export type ScalingPolicyView = Serialized<Omit<ScalingPolicySnapshot, 'recommendations'>> & { version: number };

export function scalingPolicyView(s: ScalingPolicySnapshot, version: number): ScalingPolicyView {
  return { ...serialized(without(s, 'recommendations')), version };
}

export type ScalingDecisionView = Serialized<ScalingDecision> & { service: string };

export function scalingDecisionView(d: ScalingDecision, service: string): ScalingDecisionView {
  return { ...serialized(d), service };
}

/** The answer to an executor's callback for a scale operation. */
export interface ScalingCallbackView {
  operationId: string;
  applied: boolean;
  reason?: string;
}
