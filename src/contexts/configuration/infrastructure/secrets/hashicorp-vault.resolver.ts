import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import nodeVault from 'node-vault';
import { BindingToResolve, Resolvability, SecretResolverAdapter, resolvable, unresolvable } from '../../application/ports/secret-resolver.port';
import { parseVaultReference } from '../../domain/secret-binding-reference';
import { isCertificateError, secretsCa, UNTRUSTED_CERTIFICATE } from './vault-tls';

/** What a refusal of Vault's HTTP API becomes for the tenant: a fixed phrase per status, never Vault's own words. */
function refusal(err: unknown, what: { notFound: string; forbidden: string }): Resolvability {
  const status = (err as { response?: { statusCode?: number } })?.response?.statusCode;
  const code = (err as { code?: string })?.code;
  if (status === 404) return unresolvable(what.notFound);
  if (status === 403) return unresolvable(what.forbidden);
  if (status === 503) return unresolvable('the vault is sealed or in standby');
  if (typeof status === 'number') return unresolvable(`the vault answered with an error (${status})`);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return unresolvable('the vault did not answer in time');
  if (isCertificateError(err)) return unresolvable(UNTRUSTED_CERTIFICATE);
  return unresolvable('the vault is unreachable');
}

/**
 * `hashicorp-vault` bindings (`vault://<mount>/<path>#<key>`), checked with the vendor's client
 * (`node-vault`) against VAULT_ADDR with the control plane's VAULT_TOKEN: the token is valid
 * (`auth/token/lookup-self`), the KV v2 secret exists and holds the key (`<mount>/data/<path>`; the
 * value read is dropped at once), and the binding's identity is a role of VAULT_AUTH_MOUNT
 * (`auth/<mount>/role/<identity>`), which the workload logs in as to read the secret itself.
 */
@Injectable()
export class HashicorpVaultResolver extends SecretResolverAdapter {
  readonly provider = 'hashicorp-vault' as const;
  private readonly log = new Logger('HashicorpVaultResolver');
  private client?: nodeVault.client;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  configured(): boolean {
    return Boolean(this.settings.VAULT_ADDR && this.settings.VAULT_TOKEN);
  }

  async check(binding: BindingToResolve): Promise<Resolvability> {
    const { mount, path, key } = parseVaultReference(binding.reference ?? '');
    const vault = this.vault();
    try {
      await vault.tokenLookupSelf();
    } catch (err) {
      return this.noted(binding, refusal(err, { notFound: 'the vault does not know the control plane\'s token', forbidden: 'the control plane\'s Vault token is not valid' }));
    }
    try {
      const read = (await vault.read(`${mount}/data/${path}`)) as { data?: { data?: Record<string, unknown> | null } };
      const data = read?.data?.data;
      const hasKey = data !== null && typeof data === 'object' && Object.prototype.hasOwnProperty.call(data, key);
      if (!hasKey) return this.noted(binding, unresolvable(data ? `the secret has no key ${key}` : 'the secret has no current version (deleted or destroyed)'));
    } catch (err) {
      return this.noted(binding, refusal(err, { notFound: 'the secret does not exist in the vault', forbidden: 'the control plane may not read this secret (403)' }));
    }
    if (binding.identity) {
      try {
        await vault.read(`auth/${this.settings.VAULT_AUTH_MOUNT}/role/${encodeURIComponent(binding.identity)}`);
      } catch (err) {
        return this.noted(binding, refusal(err, { notFound: `the Vault role ${binding.identity} does not exist`, forbidden: 'the control plane may not read the Vault roles (403)' }));
      }
    }
    return resolvable();
  }

  private noted(binding: BindingToResolve, result: Resolvability): Resolvability {
    this.log.log(`hashicorp-vault binding ${binding.name}: ${result.reason}`);
    return result;
  }

  private vault(): nodeVault.client {
    this.client ??= nodeVault({
      apiVersion: 'v1',
      endpoint: this.settings.VAULT_ADDR,
      token: this.settings.VAULT_TOKEN,
      namespace: this.settings.VAULT_NAMESPACE || undefined,
      requestOptions: { timeout: this.settings.SECRETS_CHECK_TIMEOUT_MS, strictSSL: true, ...(this.settings.SECRETS_CA_FILE ? { ca: secretsCa(this.settings.SECRETS_CA_FILE) } : {}) },
    });
    return this.client;
  }
}
