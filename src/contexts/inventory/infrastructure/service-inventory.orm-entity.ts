import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RuntimeServiceSnapshot } from '../domain/runtime-service.entity';

/** Row of `inventory.service_inventories`: the root of an environment's inventory (version, staleness mark). */
@Entity({ schema: 'inventory', name: 'service_inventories' })
export class ServiceInventoryOrmEntity {
  @PrimaryColumn({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'last_observed_at', type: 'timestamptz', nullable: true }) lastObservedAt: Date | null;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** Row of `inventory.runtime_services`: one service of one environment (its snapshot as columns, plus its keys). */
@Entity({ schema: 'inventory', name: 'runtime_services' })
export class RuntimeServiceOrmEntity implements RuntimeServiceSnapshot {
  @PrimaryColumn({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @PrimaryColumn({ type: 'text' }) name: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ type: 'text' }) image: string;
  @Column({ type: 'integer' }) replicas: number;
  @Column({ name: 'ready_replicas', type: 'integer' }) readyReplicas: number;
  @Column({ name: 'config_checksum', type: 'text', nullable: true }) configChecksum: string | null;
  @Column({ name: 'over_quota', type: 'boolean' }) overQuota: boolean;
  @Column({ type: 'boolean' }) removed: boolean;
  @Column({ name: 'first_observed_at', type: 'timestamptz' }) firstObservedAt: Date;
  @Column({ name: 'last_observed_at', type: 'timestamptz' }) lastObservedAt: Date;
  @Column({ name: 'last_changed_at', type: 'timestamptz' }) lastChangedAt: Date;
  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true }) removedAt: Date | null;
}
