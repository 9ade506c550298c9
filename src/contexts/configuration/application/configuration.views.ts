import { Serialized, serialized, without } from '@rcp/ddd';
import { ConfigDiff } from '../domain/runtime-config-content';
import { ConfigVersionSnapshot } from '../domain/runtime-configuration.aggregate';
import { SecretBindingSnapshot } from '../domain/secret-binding.aggregate';

/** One configuration version as its readers see it. */
export type ConfigVersionView = Serialized<ConfigVersionSnapshot> & { environmentId: string; service: string };

export function configVersionView(environmentId: string, service: string, v: ConfigVersionSnapshot): ConfigVersionView {
  return { environmentId, service, ...serialized(v) };
}

/** The answer of a publish: the version, and whether this call created it (false: the content was the latest version's already). */
export type PublishedConfigVersionView = ConfigVersionView & { created: boolean };

/** The difference between two versions of one service's configuration. */
export interface ConfigDiffView extends ConfigDiff {
  environmentId: string;
  service: string;
  from: number;
  to: number;
}

/** A secret binding as its readers see it: never the sealed value. */
export type SecretBindingView = Serialized<Omit<SecretBindingSnapshot, 'sealed'>> & { version: number };

export function secretBindingView(s: SecretBindingSnapshot, version: number): SecretBindingView {
  return { ...serialized(without(s, 'sealed')), version };
}
