import { publishing } from '@rcp/messaging';
import { SecretBindingCreatedV1, SecretBindingRemovedV1, SecretBindingResolvabilityChangedV1 } from '../contracts';
import { SecretBindingEvent } from '../domain/configuration.domain-events';
import { SecretBinding } from '../domain/secret-binding.aggregate';
import { SecretBindingOrmEntity } from './secret-binding.orm-entity';

/** Mapping between a secret binding, its row (the sealed value in two columns) and its published events. */
export const SecretBindingMapper = {
  toDomain({ version, sealedKeyId, sealedEnvelope, ...snapshot }: SecretBindingOrmEntity): SecretBinding {
    const sealed = sealedKeyId && sealedEnvelope ? { keyId: sealedKeyId, envelope: sealedEnvelope } : null;
    return SecretBinding.rehydrate({ ...snapshot, sealed }, version);
  },

  toRow(b: SecretBinding): Omit<SecretBindingOrmEntity, 'version'> {
    const { sealed, ...snapshot } = b.snapshot();
    return { ...snapshot, sealedKeyId: sealed?.keyId ?? null, sealedEnvelope: sealed?.envelope ?? null };
  },

  /** A re-seal is internal: the value and everything a consumer sees stay the same. */
  toIntegrationEvents: publishing<SecretBindingEvent>({
    SecretBindingCreated: (e) => new SecretBindingCreatedV1({ ...e.payload, bindingId: e.aggregateId }),
    SecretBindingRemoved: (e) => new SecretBindingRemovedV1({ ...e.payload, bindingId: e.aggregateId }),
    SecretBindingResolvabilityChanged: (e) => new SecretBindingResolvabilityChangedV1({ ...e.payload, bindingId: e.aggregateId }),
    SecretBindingResealed: 'internal',
  }),
};
