import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/**
 * Published events of the configuration context (`rcp.configuration.*.v1`). They carry what the
 * deployment context pins and checks (each version's checksum, its keys, the bindings it needs; each
 * binding's provider and resolvability), so it can keep its own read model. No value ever appears in
 * one: not a configuration value (only keys), not a secret (only references, and nothing for inline).
 */

const ref = {
  environmentId: { type: 'string', format: 'uuid' },
  tenantId: { type: 'string' },
  projectId: { type: 'string' },
};
const REF = ['environmentId', 'tenantId', 'projectId'];

interface ConfigurationRef {
  environmentId: string;
  tenantId: string;
  projectId: string;
}

export interface ConfigVersionPublishedData extends ConfigurationRef {
  configurationId: string;
  service: string;
  version: number;
  checksum: string;
  keys: string[];
  secretRefs: string[];
  author: string;
  previousVersion: number | null;
}
@PublishedEvent({
  type: 'rcp.configuration.config-version-published.v1',
  description: 'A new immutable configuration version of a service in an environment was published (keys only, never values).',
  schema: {
    type: 'object',
    required: [...REF, 'configurationId', 'service', 'version', 'checksum', 'keys', 'secretRefs', 'author', 'previousVersion'],
    properties: {
      ...ref,
      configurationId: { type: 'string', format: 'uuid' },
      service: { type: 'string' },
      version: { type: 'integer', minimum: 1 },
      checksum: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      keys: { type: 'array', items: { type: 'string' } },
      secretRefs: { type: 'array', items: { type: 'string' } },
      author: { type: 'string' },
      previousVersion: { type: ['integer', 'null'] },
    },
  },
})
export class ConfigVersionPublishedV1 extends IntegrationEvent<ConfigVersionPublishedData> {}

export type SecretProviderName = 'azure-key-vault' | 'hashicorp-vault' | 'inline';
interface BindingRef extends ConfigurationRef {
  bindingId: string;
  name: string;
  provider: SecretProviderName;
}
const bindingRef = { ...ref, bindingId: { type: 'string', format: 'uuid' }, name: { type: 'string' }, provider: { enum: ['azure-key-vault', 'hashicorp-vault', 'inline'] } };
const BINDING = [...REF, 'bindingId', 'name', 'provider'];
const status = { enum: ['resolvable', 'unresolvable'] };

export interface SecretBindingCreatedData extends BindingRef {
  reference: string | null;
  identity: string | null;
  status: 'resolvable' | 'unresolvable';
  reason: string | null;
}
@PublishedEvent({
  type: 'rcp.configuration.secret-binding-created.v1',
  description: 'A secret binding was created: its vault reference and identity (null for inline), and whether it resolves. Never a value.',
  schema: {
    type: 'object',
    required: [...BINDING, 'reference', 'identity', 'status', 'reason'],
    properties: { ...bindingRef, reference: { type: ['string', 'null'] }, identity: { type: ['string', 'null'] }, status, reason: { type: ['string', 'null'] } },
  },
})
export class SecretBindingCreatedV1 extends IntegrationEvent<SecretBindingCreatedData> {}

export type SecretBindingRemovedData = BindingRef;
@PublishedEvent({
  type: 'rcp.configuration.secret-binding-removed.v1',
  description: 'A secret binding was removed (an inline value is wiped with it).',
  schema: { type: 'object', required: BINDING, properties: bindingRef },
})
export class SecretBindingRemovedV1 extends IntegrationEvent<SecretBindingRemovedData> {}

export interface SecretBindingResolvabilityChangedData extends BindingRef {
  status: 'resolvable' | 'unresolvable';
  previousStatus: 'resolvable' | 'unresolvable';
  reason: string | null;
}
@PublishedEvent({
  type: 'rcp.configuration.secret-binding-resolvability-changed.v1',
  description: 'A check found a secret binding newly resolvable or unresolvable (with the reason, phrased by the control plane).',
  schema: {
    type: 'object',
    required: [...BINDING, 'status', 'previousStatus', 'reason'],
    properties: { ...bindingRef, status, previousStatus: status, reason: { type: ['string', 'null'] } },
  },
})
export class SecretBindingResolvabilityChangedV1 extends IntegrationEvent<SecretBindingResolvabilityChangedData> {}
