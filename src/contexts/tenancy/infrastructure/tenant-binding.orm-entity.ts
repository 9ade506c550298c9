import { Column, Entity, PrimaryColumn } from 'typeorm';
import { IsolationMode, Placement } from '../domain/placement';
import { QuotasProps } from '../domain/quotas.value-object';
import { TenantBindingSnapshot, TenantState } from '../domain/runtime-tenant-binding.aggregate';

/**
 * Row of `tenancy.tenant_bindings`: the binding's snapshot as columns (same names and types), plus
 * `tenantId`, the column row-level security filters on. The mapper copies the shared fields as they are.
 */
@Entity({ schema: 'tenancy', name: 'tenant_bindings' })
export class TenantBindingOrmEntity implements TenantBindingSnapshot {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Equal to `id`: the column row-level security filters on. */
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'display_name', type: 'text' }) displayName: string;
  @Column({ name: 'isolation_mode', type: 'text' }) isolationMode: IsolationMode;
  @Column({ type: 'jsonb' }) placement: Placement;
  @Column({ type: 'jsonb' }) quotas: QuotasProps;
  @Column({ type: 'text' }) state: TenantState;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true }) suspendedAt: Date | null;
  @Column({ name: 'offboarded_at', type: 'timestamptz', nullable: true }) offboardedAt: Date | null;
}
