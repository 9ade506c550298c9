import { Column, Entity, PrimaryColumn } from 'typeorm';
import { SecretProvider } from '../domain/secret-binding-reference';
import { BindingStatus, SecretBindingSnapshot } from '../domain/secret-binding.aggregate';

/** Row of `configuration.secret_bindings`: the binding's snapshot as columns, the sealed value folded into `sealed_*`. */
@Entity({ schema: 'configuration', name: 'secret_bindings' })
export class SecretBindingOrmEntity implements Omit<SecretBindingSnapshot, 'sealed'> {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) provider: SecretProvider;
  @Column({ type: 'text', nullable: true }) reference: string | null;
  @Column({ type: 'text', nullable: true }) identity: string | null;
  @Column({ type: 'text' }) status: BindingStatus;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'checked_at', type: 'timestamptz' }) checkedAt: Date;
  @Column({ name: 'sealed_key_id', type: 'text', nullable: true }) sealedKeyId: string | null;
  @Column({ name: 'sealed_envelope', type: 'text', nullable: true }) sealedEnvelope: string | null;
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true }) removedAt: Date | null;
  @Column({ type: 'integer' }) version: number;
}
