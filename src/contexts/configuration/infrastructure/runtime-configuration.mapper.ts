import { publishing } from '@rcp/messaging';
import { ConfigVersionPublishedV1 } from '../contracts';
import { RuntimeConfigurationEvent } from '../domain/configuration.domain-events';
import { ConfigVersionSnapshot, RuntimeConfiguration } from '../domain/runtime-configuration.aggregate';
import { ConfigVersionOrmEntity, RuntimeConfigurationOrmEntity } from './runtime-configuration.orm-entity';

/** Mapping between a configuration line, its rows and its published events. */
export const RuntimeConfigurationMapper = {
  toDomain({ version, ...snapshot }: RuntimeConfigurationOrmEntity, latest: ConfigVersionOrmEntity | null): RuntimeConfiguration {
    return RuntimeConfiguration.rehydrate(snapshot, latest ? RuntimeConfigurationMapper.versionOf(latest) : null, version);
  },

  toRow(c: RuntimeConfiguration): Omit<RuntimeConfigurationOrmEntity, 'version'> {
    return { ...c.snapshot() };
  },

  versionOf({ number, checksum, entries, secretRefs, author, createdAt }: ConfigVersionOrmEntity): ConfigVersionSnapshot {
    return { version: number, checksum, entries, secretRefs, author, createdAt };
  },

  versionRow(c: RuntimeConfiguration, { version, ...v }: ConfigVersionSnapshot): ConfigVersionOrmEntity {
    const { id, tenantId } = c.snapshot();
    return { configurationId: id, number: version, tenantId, ...v };
  },

  toIntegrationEvents: publishing<RuntimeConfigurationEvent>({
    ConfigVersionPublished: (e) => new ConfigVersionPublishedV1({ ...e.payload, configurationId: e.aggregateId }),
  }),
};
