import { DomainEvent } from '@rcp/ddd';
import { SecretProvider } from './secret-binding-reference';

/** What every configuration event carries to name where it belongs. */
interface EnvironmentRefPayload {
  tenantId: string;
  projectId: string;
  environmentId: string;
}

export class ConfigVersionPublished extends DomainEvent<
  EnvironmentRefPayload & { service: string; version: number; checksum: string; keys: string[]; secretRefs: string[]; author: string; previousVersion: number | null }
> {
  readonly name = 'ConfigVersionPublished';
}

/** Every domain event a RuntimeConfiguration records. */
export type RuntimeConfigurationEvent = ConfigVersionPublished;

interface BindingPayload extends EnvironmentRefPayload {
  name: string;
  provider: SecretProvider;
}

export class SecretBindingCreated extends DomainEvent<
  BindingPayload & { reference: string | null; identity: string | null; status: 'resolvable' | 'unresolvable'; reason: string | null }
> {
  readonly name = 'SecretBindingCreated';
}
export class SecretBindingRemoved extends DomainEvent<BindingPayload> {
  readonly name = 'SecretBindingRemoved';
}
export class SecretBindingResolvabilityChanged extends DomainEvent<
  BindingPayload & { status: 'resolvable' | 'unresolvable'; reason: string | null; previousStatus: 'resolvable' | 'unresolvable' }
> {
  readonly name = 'SecretBindingResolvabilityChanged';
}
/** Internal: an inline value was sealed again under the current master key (rotation). Not published. */
export class SecretBindingResealed extends DomainEvent<BindingPayload & { keyId: string }> {
  readonly name = 'SecretBindingResealed';
}

/** Every domain event a SecretBinding records. */
export type SecretBindingEvent = SecretBindingCreated | SecretBindingRemoved | SecretBindingResolvabilityChanged | SecretBindingResealed;
