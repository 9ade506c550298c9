import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RuntimeConfigurationSnapshot } from '../domain/runtime-configuration.aggregate';

/** Row of `configuration.runtime_configurations`: one service's configuration line in one environment, as its snapshot. */
@Entity({ schema: 'configuration', name: 'runtime_configurations' })
export class RuntimeConfigurationOrmEntity implements RuntimeConfigurationSnapshot {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_id', type: 'text' }) projectId: string;
  @Column({ name: 'environment_id', type: 'uuid' }) environmentId: string;
  @Column({ type: 'text' }) service: string;
  @Column({ name: 'latest_version', type: 'integer' }) latestVersion: number;
  @Column({ name: 'latest_checksum', type: 'text' }) latestChecksum: string;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** Row of `configuration.config_versions`: one immutable version (`number` is its version number). */
@Entity({ schema: 'configuration', name: 'config_versions' })
export class ConfigVersionOrmEntity {
  @PrimaryColumn({ name: 'configuration_id', type: 'uuid' }) configurationId: string;
  @PrimaryColumn({ name: 'number', type: 'integer' }) number: number;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ type: 'text' }) checksum: string;
  @Column({ type: 'jsonb' }) entries: Record<string, string>;
  @Column({ name: 'secret_refs', type: 'text', array: true }) secretRefs: string[];
  @Column({ type: 'text' }) author: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
