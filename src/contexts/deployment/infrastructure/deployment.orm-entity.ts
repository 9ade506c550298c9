import { Column, Entity, PrimaryColumn } from 'typeorm';
import { HealthGate } from '../domain/health-gate';
import { DeploymentReason, DeploymentSnapshot, DeploymentState, MetricReading, OperationInFlight, Release, TimelineEntry } from '../domain/runtime-deployment.aggregate';
import { RolloutStep, RolloutStrategy } from '../domain/rollout-strategy';

/** A timeline entry as jsonb keeps it (times as ISO strings). */
export type StoredTimelineEntry = Omit<TimelineEntry, 'at' | 'evaluation'> & { at: string; evaluation?: Omit<NonNullable<TimelineEntry['evaluation']>, 'at'> & { at: string } };

export type StoredReading = Omit<MetricReading, 'at'> & { at: string };

/** Row of `deployment.deployments`: the snapshot's fields, the release and the plan as jsonb, and the revision in its own column. */
@Entity({ schema: 'deployment', name: 'deployments' })
export class DeploymentOrmEntity implements Omit<DeploymentSnapshot, 'timeline' | 'readings'> {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ type: 'integer' }) revision: number;
  @Column({ type: 'text' }) state: DeploymentState;
  @Column({ type: 'jsonb' }) release: Release;
  @Column({ type: 'jsonb', nullable: true }) previous: Release | null;
  @Column({ type: 'integer' }) replicas: number;
  @Column({ type: 'jsonb' }) strategy: RolloutStrategy;
  @Column({ name: 'health_gate', type: 'jsonb' }) healthGate: HealthGate;
  @Column({ type: 'jsonb' }) plan: RolloutStep[];
  @Column({ name: 'current_step', type: 'integer' }) currentStep: number;
  @Column({ name: 'step_started_at', type: 'timestamptz', nullable: true }) stepStartedAt: Date | null;
  @Column({ name: 'paused_until', type: 'timestamptz', nullable: true }) pausedUntil: Date | null;
  @Column({ type: 'text' }) reason: DeploymentReason;
  @Column({ type: 'jsonb', nullable: true }) cause: { findingId: string } | null;
  @Column({ type: 'jsonb', nullable: true }) operation: OperationInFlight | null;
  @Column({ type: 'jsonb' }) readings: StoredReading[];
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'jsonb' }) timeline: StoredTimelineEntry[];
  @Column({ type: 'integer' }) version: number;
}
