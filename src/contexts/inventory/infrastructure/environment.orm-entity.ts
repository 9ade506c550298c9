import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EnvironmentType } from '../domain/environment-name.value-object';
import { PlacementProps } from '../domain/placement.value-object';
import { OperationKind } from '../domain/provisioning-policy';
import { EnvironmentSnapshot, EnvironmentState } from '../domain/runtime-environment.aggregate';

/**
 * Row of `inventory.environments`: the environment's snapshot as columns (same names and types), with
 * the operation in flight flattened into `operation_*` columns. The mapper copies the shared fields as
 * they are and folds the operation.
 */
@Entity({ schema: 'inventory', name: 'environments' })
export class EnvironmentOrmEntity implements Omit<EnvironmentSnapshot, 'operation'> {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) type: EnvironmentType;
  @Column({ type: 'text' }) region: string;
  @Column({ type: 'jsonb' }) labels: Record<string, string>;
  @Column({ type: 'jsonb' }) placement: PlacementProps;
  @Column({ type: 'text' }) state: EnvironmentState;
  @Column({ name: 'failure_reason', type: 'text', nullable: true }) failureReason: string | null;
  @Column({ type: 'integer' }) round: number;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'operation_id', type: 'uuid', nullable: true }) operationId: string | null;
  @Column({ name: 'operation_kind', type: 'text', nullable: true }) operationKind: OperationKind | null;
  @Column({ name: 'operation_attempt', type: 'integer', nullable: true }) operationAttempt: number | null;
  @Column({ name: 'operation_started_at', type: 'timestamptz', nullable: true }) operationStartedAt: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'provisioning_started_at', type: 'timestamptz', nullable: true }) provisioningStartedAt: Date | null;
  @Column({ name: 'decommission_reason', type: 'text', nullable: true }) decommissionReason: string | null;
  @Column({ name: 'decommission_pending', type: 'boolean' }) decommissionPending: boolean;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true }) readyAt: Date | null;
  @Column({ name: 'decommissioned_at', type: 'timestamptz', nullable: true }) decommissionedAt: Date | null;
}
