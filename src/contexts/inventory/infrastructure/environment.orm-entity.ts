import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `inventory.environments`. Persistence shape only; the mapper turns it into the aggregate. */
@Entity({ schema: 'inventory', name: 'environments' })
export class EnvironmentOrmEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text' }) region: string;
  @Column({ type: 'jsonb' }) labels: Record<string, string>;
  @Column({ type: 'jsonb' }) placement: object;
  @Column({ type: 'text' }) state: string;
  @Column({ name: 'failure_reason', type: 'text', nullable: true }) failureReason: string | null;
  @Column({ type: 'integer' }) round: number;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'operation_id', type: 'uuid', nullable: true }) operationId: string | null;
  @Column({ name: 'operation_kind', type: 'text', nullable: true }) operationKind: string | null;
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
