import { SealedSecret } from '../../domain/secret-binding.aggregate';

/**
 * Seals inline secret values at rest (envelope encryption under a master key) and unseals them for the
 * one caller that may: materializing a workload for the executor. `context` binds a sealed value to its
 * binding (authenticated, not secret): a sealed value copied onto another binding does not unseal.
 */
export abstract class SecretSealer {
  /** Whether inline values are allowed and a master key is configured. */
  abstract enabled(): boolean;
  /** The key new values are sealed under. */
  abstract currentKeyId(): string;
  /** Whether a value sealed under `keyId` can still be unsealed (the key is current or retired). */
  abstract knows(keyId: string): boolean;
  abstract seal(value: string, context: string): SealedSecret;
  /** Throws if the key is unknown or the envelope was tampered with. */
  abstract unseal(sealed: SealedSecret, context: string): string;
}
