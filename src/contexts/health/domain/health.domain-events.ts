import { DomainEvent } from '@rcp/ddd';
import { HealthStatus } from './health-status';
import { ScalingPolicyProps } from './scaling';

interface ServiceRef {
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
}

export class ServiceHealthChanged extends DomainEvent<ServiceRef & { revision: string | null; status: HealthStatus; previousStatus: HealthStatus; reason: string; since: string }> {
  readonly name = 'ServiceHealthChanged';
}

/** Every domain event a HealthCheckResult records. */
export type HealthEvent = ServiceHealthChanged;

export class ScalingPolicySet extends DomainEvent<ServiceRef & { policy: ScalingPolicyProps }> {
  readonly name = 'ScalingPolicySet';
}

export interface DecisionPayload extends ServiceRef {
  decisionId: string;
  currentReplicas: number;
  desiredReplicas: number;
  reasons: string[];
  cappedBy: string | null;
}
export class ScalingDecisionMade extends DomainEvent<DecisionPayload> {
  readonly name = 'ScalingDecisionMade';
}
export class ScalingApplied extends DomainEvent<ServiceRef & { decisionId: string; replicas: number; operationId: string }> {
  readonly name = 'ScalingApplied';
}
export class ScalingFailed extends DomainEvent<ServiceRef & { decisionId: string; replicas: number; operationId: string | null; reason: string }> {
  readonly name = 'ScalingFailed';
}

/** Every domain event a ScalingPolicy records (its decisions are part of it). */
export type ScalingEvent = ScalingPolicySet | ScalingDecisionMade | ScalingApplied | ScalingFailed;
