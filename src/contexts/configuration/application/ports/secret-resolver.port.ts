import { SealedSecret } from '../../domain/secret-binding.aggregate';
import { SecretProvider } from '../../domain/secret-binding-reference';

export { SECRET_PROVIDERS } from '../../domain/secret-binding-reference';
export type { SecretProvider } from '../../domain/secret-binding-reference';

/** What a resolver needs of a binding: never a value, except the sealed one of an `inline` binding. */
export interface BindingToResolve {
  name: string;
  provider: SecretProvider;
  /** A vault URI (`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`, `vault://<mount>/<path>#<key>`); null for `inline`. */
  reference: string | null;
  /** The managed identity (Azure) or Vault role that may read it; null for `inline`. */
  identity: string | null;
  /** Inline only: the sealed value (the check proves it can be unsealed). */
  sealed?: SealedSecret | null;
}

/**
 * Whether a binding can be resolved now, and if not why, phrased for the tenant: the vault's own words
 * are never passed on (they may echo paths or tokens), only a fixed phrase per cause, e.g.
 * `the secret does not exist in the vault`, `the control plane may not read it (403)`, `the vault is sealed`,
 * `the vault is unreachable`, `hashicorp-vault is not configured on the control plane`.
 */
export type Resolvability = { status: 'resolvable'; reason: null } | { status: 'unresolvable'; reason: string };

export const resolvable = (): Resolvability => ({ status: 'resolvable', reason: null });
export const unresolvable = (reason: string): Resolvability => ({ status: 'unresolvable', reason });

/** What the executor gets for one binding when a workload is materialized: a reference its own identity reads, or (inline only) the value. */
export type MaterializedSecret = { name: string; ref: string } | { name: string; value: string };

/**
 * One vault product. `check` is the pre-flight: the reference exists and can be read, without returning
 * or keeping the value (a value read to prove it is readable is dropped at once). It never throws for
 * the vault's refusals or its absence: those are `unresolvable` with the reason. `configured` is false
 * when the control plane has no settings for the provider: every binding of it is then `unresolvable`
 * (fail closed) without a call.
 */
export abstract class SecretResolverAdapter {
  abstract readonly provider: SecretProvider;
  abstract configured(): boolean;
  abstract check(binding: BindingToResolve): Promise<Resolvability>;
}

/** Every provider's adapter, by provider (Nest token). */
export abstract class SecretResolver {
  abstract check(binding: BindingToResolve): Promise<Resolvability>;
  abstract configured(provider: SecretProvider): boolean;
}
