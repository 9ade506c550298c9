/**
 * # Configuration (Configuration & Secrets)
 *
 * Owns `RuntimeConfiguration` (per environment and service: a line of immutable, numbered versions of
 * plain settings, each with a canonical sha256 `checksum`, the names of the secret bindings it needs,
 * its author and time) and `SecretBinding` (per environment: a name bound to a vault secret by reference
 * and the identity that may read it, or to an `inline` value sealed by the control plane; `status`
 * `resolvable | unresolvable` with the reason).
 *
 * - API: `POST/GET /v1/environments/{id}/config-versions`, `GET …/config-versions/{n}`,
 *   `GET …/config-versions/{n}/diff`, `POST/GET /v1/environments/{id}/secret-bindings`,
 *   `GET/DELETE …/secret-bindings/{name}`, `POST …/secret-bindings/{name}/check`.
 * - Rules: entries that look like secrets are refused (`secret_value_forbidden`, domain/secret-guard.ts);
 *   publishing the latest content again publishes nothing; vault references are validated (Key Vault
 *   hosts from `AZURE_KEY_VAULT_HOSTS`); a provider without settings makes its bindings `unresolvable`
 *   (fail closed). Inline values (`SECRETS_INLINE_ALLOWED`) are sealed with AES-256-GCM under a per-value
 *   data key wrapped by `SECRETS_MASTER_KEY` (key id stored; retired keys still open old values, which
 *   the worker re-seals: job `configuration.reseal-secret-binding`), and never leave the control plane
 *   but to the executor when a workload is materialized.
 * - Ports: `SecretResolver` (one adapter per provider: `hashicorp-vault`, `azure-key-vault`, `inline`),
 *   `SecretSealer`.
 * - Publishes (`contracts/`): rcp.configuration.config-version-published, secret-binding-created,
 *   secret-binding-removed, secret-binding-resolvability-changed (v1): keys, checksums, references and
 *   statuses, never a value.
 * - Listens to: rcp.inventory.environment-* (its read model `configuration.environments`: which
 *   environments exist, in which project, and whether they are going away); on
 *   environment-decommissioned every live binding of the environment is removed.
 * - Every binding is checked again every `SECRETS_RECHECK_INTERVAL_SECONDS` (job
 *   `configuration.check-secret-bindings`, one per environment), so `status` follows the vault.
 * - Schema: `configuration` (runtime_configurations, config_versions, secret_bindings, environments),
 *   all under row-level security.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, SystemClock } from '@rcp/ddd';
import { CheckSecretBindingHandler } from './application/commands/check-secret-binding/check-secret-binding.handler';
import { CreateSecretBindingHandler } from './application/commands/create-secret-binding/create-secret-binding.handler';
import { PublishConfigVersionHandler } from './application/commands/publish-config-version/publish-config-version.handler';
import { RemoveSecretBindingHandler } from './application/commands/remove-secret-binding/remove-secret-binding.handler';
import { ResealSecretBindingHandler } from './application/commands/reseal-secret-binding/reseal-secret-binding.handler';
import { ConfigVersions } from './application/config-versions';
import { ProjectEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-environment-on-inventory-events.handler';
import { ResealSecretBindingJob } from './application/jobs/reseal.jobs';
import { SecretResolver, SecretResolverAdapter } from './application/ports/secret-resolver.port';
import { SecretSealer } from './application/ports/secret-sealer.port';
import { DiffConfigVersionsHandler } from './application/queries/diff-config-versions/diff-config-versions.handler';
import { GetConfigVersionHandler } from './application/queries/get-config-version/get-config-version.handler';
import { GetSecretBindingHandler } from './application/queries/get-secret-binding/get-secret-binding.handler';
import { ListConfigVersionsHandler } from './application/queries/list-config-versions/list-config-versions.handler';
import { ListSecretBindingsHandler } from './application/queries/list-secret-bindings/list-secret-bindings.handler';
import { EnvironmentDirectory } from './application/read-models/environment-read-model';
import { SecretResealer } from './application/secret-resealer';
import { SecretBindingChecker } from './application/secret-binding-checker';
import { CheckSecretBindingsJob } from './application/jobs/check-secret-bindings.jobs';
import { RemoveSecretBindingsOnEnvironmentDecommissionedHandler } from './application/event-handlers/remove-secret-bindings-on-environment-decommissioned.handler';
import { RuntimeConfigurationRepository, SecretBindingRepository } from './domain/configuration.repository';
import { ConfigVersionOrmEntity, RuntimeConfigurationOrmEntity } from './infrastructure/runtime-configuration.orm-entity';
import { SecretBindingOrmEntity } from './infrastructure/secret-binding.orm-entity';
import { AesGcmSecretSealer } from './infrastructure/secrets/aes-gcm.secret-sealer';
import { InlineSecretResolver } from './infrastructure/secrets/inline.resolver';
import { HashicorpVaultResolver } from './infrastructure/secrets/hashicorp-vault.resolver';
import { AzureKeyVaultResolver } from './infrastructure/secrets/azure-key-vault.resolver';
import { SECRET_RESOLVER_ADAPTERS, SecretResolvers } from './infrastructure/secrets/secret-resolvers';
import { TypeOrmEnvironmentDirectory } from './infrastructure/typeorm-environment-directory';
import { TypeOrmRuntimeConfigurationRepository } from './infrastructure/typeorm-runtime-configuration.repository';
import { TypeOrmSecretBindingRepository } from './infrastructure/typeorm-secret-binding.repository';
import { ConfigurationController } from './interface/http/configuration.controller';

@Module({
  imports: [TypeOrmModule.forFeature([RuntimeConfigurationOrmEntity, ConfigVersionOrmEntity, SecretBindingOrmEntity])],
  controllers: [ConfigurationController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: RuntimeConfigurationRepository, useClass: TypeOrmRuntimeConfigurationRepository },
    { provide: SecretBindingRepository, useClass: TypeOrmSecretBindingRepository },
    { provide: EnvironmentDirectory, useClass: TypeOrmEnvironmentDirectory },
    { provide: SecretSealer, useClass: AesGcmSecretSealer },
    InlineSecretResolver,
    HashicorpVaultResolver,
    AzureKeyVaultResolver,
    {
      provide: SECRET_RESOLVER_ADAPTERS,
      inject: [InlineSecretResolver, HashicorpVaultResolver, AzureKeyVaultResolver],
      useFactory: (...adapters: SecretResolverAdapter[]): SecretResolverAdapter[] => adapters,
    },
    { provide: SecretResolver, useClass: SecretResolvers },
    ConfigVersions,
    SecretResealer,
    SecretBindingChecker,
    // commands
    PublishConfigVersionHandler,
    CreateSecretBindingHandler,
    CheckSecretBindingHandler,
    RemoveSecretBindingHandler,
    ResealSecretBindingHandler,
    // queries
    ListConfigVersionsHandler,
    GetConfigVersionHandler,
    DiffConfigVersionsHandler,
    ListSecretBindingsHandler,
    GetSecretBindingHandler,
    // event handlers
    ProjectEnvironmentOnInventoryEventsHandler,
    RemoveSecretBindingsOnEnvironmentDecommissionedHandler,
    // jobs
    ResealSecretBindingJob,
    CheckSecretBindingsJob,
  ],
})
export class ConfigurationModule {}
