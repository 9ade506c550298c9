import { readFileSync } from 'node:fs';

/** The extra certificate authorities of SECRETS_CA_FILE (a private Vault or Key Vault endpoint), read once; undefined = the system's. */
export function secretsCa(file: string): string | undefined {
  return file ? readFileSync(file, 'utf8') : undefined;
}

/** Whether a failed call failed on the vault's certificate (not trusted, expired, for another name). */
export function isCertificateError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code ?? '');
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}

export const UNTRUSTED_CERTIFICATE = 'the vault\'s TLS certificate is not trusted (see SECRETS_CA_FILE)';
