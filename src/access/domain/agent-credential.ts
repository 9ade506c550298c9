import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The two secrets an agent holds, in one format: `<kind>_<lookup>_<secret>`.
 * - `rcpet`: a one-time enrollment token (valid minutes, redeemed once);
 * - `rcpak`: an agent key (long-lived, exchanged for short-lived agent tokens).
 *
 * `lookup` (16 hex characters) finds the row; `secret` (32 random bytes, base64url) is what proves
 * possession. Only the sha256 of the whole credential is stored: the secret carries 256 bits of
 * randomness, so a fast hash is enough (a slow password hash protects guessable secrets, and these are
 * not), and it keeps the token exchange cheap. The kind prefix lets secret scanners recognise a leaked
 * credential, and `<kind>_<lookup>` is what lists and logs may show.
 */
export type CredentialKind = 'rcpet' | 'rcpak';

const FORMAT = /^(rcpet|rcpak)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedCredential {
  /** The whole credential, shown once to its holder. */
  secret: string;
  /** What finds its row (unique). */
  lookup: string;
  /** The sha256 (hex) of the whole credential: all that is stored of it. */
  hash: string;
  /** `<kind>_<lookup>`: safe to show in lists and logs. */
  prefix: string;
}

export interface PresentedCredential {
  kind: CredentialKind;
  lookup: string;
  hash: string;
}

export const credentialHash = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export function mintCredential(kind: CredentialKind): MintedCredential {
  const lookup = randomBytes(8).toString('hex');
  const secret = `${kind}_${lookup}_${randomBytes(32).toString('base64url')}`;
  return { secret, lookup, hash: credentialHash(secret), prefix: `${kind}_${lookup}` };
}

/** The credential a caller presented, if it has the format of `kind` (nothing else is looked up). */
export function parseCredential(text: string, kind: CredentialKind): PresentedCredential | undefined {
  const m = FORMAT.exec(text);
  if (!m || m[1] !== kind) return undefined;
  return { kind, lookup: m[2], hash: credentialHash(text) };
}

/** Whether a presented credential's hash is the stored one, in constant time. */
export function sameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(presented, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
