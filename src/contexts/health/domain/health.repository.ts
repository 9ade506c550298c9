import { HealthCheckResult } from './health-check-result.aggregate';
import { ScalingDecision, ScalingPolicy } from './scaling-policy.aggregate';

export abstract class HealthCheckResultRepository {
  /** `lock` serializes reports of one (environment, service, revision). */
  abstract find(environmentId: string, service: string, revision: string | null, opts?: { lock?: boolean }): Promise<HealthCheckResult | null>;
  abstract save(result: HealthCheckResult): Promise<void>;
  abstract ofEnvironment(environmentId: string): Promise<HealthCheckResult[]>;
  /** Results not `unknown` whose last check is older than `before` (across tenants: platform work). */
  abstract stale(before: Date, limit: number): Promise<Array<{ id: string; tenantId: string; projectId: string; environmentId: string; service: string; revision: string | null }>>;
}

export abstract class ScalingPolicyRepository {
  /** With its pending decision loaded; `lock` serializes decisions of one service. */
  abstract find(environmentId: string, service: string, opts?: { lock?: boolean }): Promise<ScalingPolicy | null>;
  /** The policy of the decision that sent this operation, with that decision loaded. */
  abstract findByOperation(operationId: string): Promise<{ policy: ScalingPolicy; decisionId: string } | null>;
  abstract save(policy: ScalingPolicy): Promise<void>;
  abstract ofEnvironment(environmentId: string): Promise<ScalingPolicy[]>;
  /** Decisions newest first (one more than `limit` tells a next page), with their service. */
  abstract pageDecisions(environmentId: string, limit: number, after?: { t: string; id: string }, service?: string): Promise<Array<ScalingDecision & { service: string }>>;
  abstract decision(id: string): Promise<(ScalingDecision & { environmentId: string; service: string; tenantId: string; projectId: string }) | null>;
}
