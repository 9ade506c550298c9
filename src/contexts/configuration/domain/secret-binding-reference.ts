import { DomainError } from '@rcp/ddd';

/** The vaults a secret binding may point into, and `inline` (a value the control plane keeps, encrypted). */
export type SecretProvider = 'azure-key-vault' | 'hashicorp-vault' | 'inline';
export const SECRET_PROVIDERS: readonly SecretProvider[] = ['azure-key-vault', 'hashicorp-vault', 'inline'];

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });

/** Whether `host` is one of `patterns` (`*.vault.azure.net` matches exactly one label before the suffix). */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const pattern = p.trim().toLowerCase();
    if (!pattern) return false;
    if (!pattern.startsWith('*.')) return h === pattern;
    const suffix = pattern.slice(1);
    return h.endsWith(suffix) && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(h.slice(0, -suffix.length));
  });
}

/** An Azure Key Vault secret URI, parsed. */
export interface KeyVaultReference {
  vaultUrl: string;
  secretName: string;
  version: string | null;
}

/** `https://<vault>.vault.azure.net/secrets/<name>[/<version>]`, on an allowed host, and nothing else (no port, query, fragment or credentials). */
export function parseKeyVaultReference(reference: string, allowedHosts: readonly string[]): KeyVaultReference {
  const shape = 'reference must be a Key Vault secret URI: https://<vault>.vault.azure.net/secrets/<name>[/<version>]';
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw invalid('reference', shape);
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port || url.search || url.hash) throw invalid('reference', shape);
  const m = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]{32}))?\/?$/.exec(url.pathname);
  if (!m) throw invalid('reference', shape);
  if (!hostAllowed(url.hostname, allowedHosts)) {
    throw invalid('reference', `reference names the host ${url.hostname}, which is not one of the vault hosts this control plane allows (${allowedHosts.join(', ')})`);
  }
  return { vaultUrl: `https://${url.hostname}`, secretName: m[1], version: m[2] ?? null };
}

/** A HashiCorp Vault KV v2 secret reference, parsed. */
export interface VaultReference {
  mount: string;
  path: string;
  key: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `vault://<mount>/<path>#<key>`: a KV v2 mount, a path of plain segments (no `.` or `..`), the key within the secret. */
export function parseVaultReference(reference: string): VaultReference {
  const shape = 'reference must be a Vault URI: vault://<mount>/<path>#<key>';
  const m = /^vault:\/\/([^/#?]+)\/([^#?]+)#([^#?/]+)$/.exec(reference);
  if (!m) throw invalid('reference', shape);
  const [, mount, path, key] = m;
  const segments = path.split('/');
  if (!SEGMENT.test(mount) || !SEGMENT.test(key) || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) throw invalid('reference', shape);
  return { mount, path, key };
}

const ROLE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MANAGED_IDENTITY_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[A-Za-z0-9_.()-]{1,90}\/providers\/microsoft\.managedidentity\/userassignedidentities\/[A-Za-z0-9_-]{3,128}$/i;

/** What a create request names, before the binding exists: checked here so a bad one is a 400. */
export interface BindingSource {
  provider: SecretProvider;
  reference: string | null;
  identity: string | null;
  /** Only with `inline`; never kept in the clear. */
  hasValue: boolean;
}

/**
 * Checks the shape of a binding's source: a vault-backed one has a reference (a vault URI, on an allowed
 * host for Key Vault) and an identity (a managed identity's client id or resource id; a Vault role), and
 * no value; an `inline` one has a value and neither of the others.
 */
export function validateBindingSource(src: BindingSource, azureHosts: readonly string[]): void {
  if (src.provider === 'inline') {
    if (!src.hasValue) throw invalid('value', 'an inline binding needs a value');
    if (src.reference !== null) throw invalid('reference', 'an inline binding has a value, not a reference');
    if (src.identity !== null) throw invalid('identity', 'an inline binding has no identity: the value is handed to the workload');
    return;
  }
  if (src.hasValue) throw invalid('value', `a ${src.provider} binding is a reference: the value stays in the vault and is never sent to the control plane`);
  if (!src.reference) throw invalid('reference', `a ${src.provider} binding needs a reference`);
  if (!src.identity) throw invalid('identity', `a ${src.provider} binding needs the identity that may read it`);
  if (src.provider === 'azure-key-vault') {
    parseKeyVaultReference(src.reference, azureHosts);
    if (!GUID.test(src.identity) && !MANAGED_IDENTITY_ID.test(src.identity)) {
      throw invalid('identity', 'identity must be a managed identity: its client id (a GUID) or its resource id (/subscriptions/…/userAssignedIdentities/<name>)');
    }
  } else {
    parseVaultReference(src.reference);
    if (!ROLE.test(src.identity)) throw invalid('identity', `identity must be a Vault role name matching ${ROLE.source}`);
  }
}
