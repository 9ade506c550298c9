import { ConfigVersionSnapshot, RuntimeConfiguration } from './runtime-configuration.aggregate';
import { SecretBinding } from './secret-binding.aggregate';

/** Configuration lines and their versions (`configuration.runtime_configurations`, `configuration.config_versions`). */
export abstract class RuntimeConfigurationRepository {
  /** The line of one service in one environment (with its latest version), or null before its first version. `lock` serializes publishers. */
  abstract findByService(environmentId: string, service: string, opts?: { lock?: boolean }): Promise<RuntimeConfiguration | null>;
  /** Saves the line and inserts the versions it published. */
  abstract save(configuration: RuntimeConfiguration): Promise<void>;
  abstract findVersion(environmentId: string, service: string, version: number): Promise<ConfigVersionSnapshot | null>;
  /** Versions, newest first, below `before` when given; one more than `limit` tells a next page. */
  abstract pageVersions(environmentId: string, service: string, limit: number, before?: number): Promise<ConfigVersionSnapshot[]>;
}

/** Secret bindings (`configuration.secret_bindings`). */
export abstract class SecretBindingRepository {
  abstract findById(id: string): Promise<SecretBinding | null>;
  /** The live (not removed) binding of that name in the environment. */
  abstract findByName(environmentId: string, name: string): Promise<SecretBinding | null>;
  abstract save(binding: SecretBinding): Promise<void>;
  /** Live bindings of an environment in creation order, after the cursor's (creation time, id) when given; one more than `limit` tells a next page. */
  abstract page(environmentId: string, limit: number, after?: { t: string; id: string }): Promise<SecretBinding[]>;
  /** Live bindings of an environment, all of them (a tenant has a few dozen per environment at most). */
  abstract liveOf(environmentId: string): Promise<SecretBinding[]>;
  /** Environments (across tenants: platform work) with at least one live binding, by id, after `afterId`. */
  abstract environmentsWithBindings(limit: number, afterId?: string): Promise<Array<{ environmentId: string; tenantId: string; projectId: string }>>;
  /** Ids (with their tenant) of live inline bindings sealed under a key other than `keyId`, across tenants (platform work). */
  abstract sealedUnder(notKeyId: string, limit: number): Promise<Array<{ id: string; tenantId: string }>>;
}
