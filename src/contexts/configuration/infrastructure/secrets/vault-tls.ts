import { readFileSync } from 'node:fs';

/** The extra certificate authorities of SECRETS_CA_FILE (a private Vault or Key Vault endpoint), read once; undefined = the system's. */
export function secretsCa(file: string): string | undefined {
  return file ? readFileSync(file, 'utf8') : undefined;
}
