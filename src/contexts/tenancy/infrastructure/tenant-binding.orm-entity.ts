import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `tenancy.tenant_bindings`. Persistence shape only; the mapper turns it into the aggregate. */
@Entity({ schema: 'tenancy', name: 'tenant_bindings' })
export class TenantBindingOrmEntity {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Equal to `id`: the column row-level security filters on. */
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'display_name', type: 'text' }) displayName: string;
  @Column({ name: 'isolation_mode', type: 'text' }) isolationMode: string;
  @Column({ type: 'jsonb' }) placement: object;
  @Column({ type: 'jsonb' }) quotas: object;
  @Column({ type: 'text' }) state: string;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true }) suspendedAt: Date | null;
  @Column({ name: 'offboarded_at', type: 'timestamptz', nullable: true }) offboardedAt: Date | null;
}
