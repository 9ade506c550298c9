import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Check, HealthCheckResultSnapshot, HealthStatus } from '../domain/health-check-result.aggregate';
import { Observed, Recommendation, ScalingPolicyProps } from '../domain/scaling';
import { DecisionState, ScalingDecision, ScalingPolicySnapshot } from '../domain/scaling-policy.aggregate';

/** Row of `health.check_results` (the revision of the service as a whole is stored as ''). */
@Entity({ schema: 'health', name: 'check_results' })
export class CheckResultOrmEntity implements Omit<HealthCheckResultSnapshot, 'revision'> {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ type: 'text' }) revision: string;
  @Column({ type: 'text' }) status: HealthStatus;
  @Column({ type: 'timestamptz' }) since: Date;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'consecutive_failures', type: 'integer' }) consecutiveFailures: number;
  @Column({ name: 'consecutive_passes', type: 'integer' }) consecutivePasses: number;
  @Column({ name: 'last_checks', type: 'jsonb' }) lastChecks: Check[];
  @Column({ name: 'last_report_at', type: 'timestamptz', nullable: true }) lastReportAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'integer' }) version: number;
}

/** Row of `health.scaling_policies`. */
@Entity({ schema: 'health', name: 'scaling_policies' })
export class ScalingPolicyOrmEntity implements ScalingPolicySnapshot {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ type: 'jsonb' }) policy: ScalingPolicyProps;
  @Column({ type: 'jsonb' }) recommendations: Recommendation[];
  @Column({ name: 'pending_decision_id', type: 'uuid', nullable: true }) pendingDecisionId: string | null;
  @Column({ name: 'last_scaled_to', type: 'integer', nullable: true }) lastScaledTo: number | null;
  @Column({ name: 'last_scaled_at', type: 'timestamptz', nullable: true }) lastScaledAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'integer' }) version: number;
}

/** Row of `health.scaling_decisions`: a decision, with where it belongs. */
@Entity({ schema: 'health', name: 'scaling_decisions' })
export class ScalingDecisionOrmEntity implements ScalingDecision {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'policy_id', type: 'uuid' }) policyId: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ name: 'made_at', type: 'timestamptz' }) madeAt: Date;
  @Column({ name: 'current_replicas', type: 'integer' }) currentReplicas: number;
  @Column({ name: 'recommended_replicas', type: 'integer' }) recommendedReplicas: number;
  @Column({ name: 'desired_replicas', type: 'integer' }) desiredReplicas: number;
  @Column({ type: 'jsonb' }) observed: Observed;
  @Column({ type: 'text' }) health: ScalingDecision['health'];
  @Column({ type: 'text', array: true }) reasons: string[];
  @Column({ name: 'capped_by', type: 'text', nullable: true }) cappedBy: string | null;
  @Column({ type: 'text' }) state: DecisionState;
  @Column({ name: 'operation_id', type: 'uuid', nullable: true }) operationId: string | null;
  @Column({ name: 'failure_reason', type: 'text', nullable: true }) failureReason: string | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
}
