import { DomainError } from '@rcp/ddd';
import { hostAllowed, parseKeyVaultReference, parseVaultReference, validateBindingSource } from './secret-binding-reference';

const hosts = ['*.vault.azure.net'];
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect((e as DomainError).code).toBe('validation_failed');
    return (e as DomainError).message;
  }
  throw new Error('expected a refusal');
};

describe('secret binding references', () => {
  it('parses Key Vault secret URIs, with and without a version', () => {
    expect(parseKeyVaultReference('https://shop-prod.vault.azure.net/secrets/db-password', hosts)).toEqual({ vaultUrl: 'https://shop-prod.vault.azure.net', secretName: 'db-password', version: null });
    expect(parseKeyVaultReference('https://shop.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef', hosts).version).toBe('0123456789abcdef0123456789abcdef');
  });

  it.each([
    'http://shop.vault.azure.net/secrets/db',
    'https://shop.vault.azure.net/keys/db',
    'https://shop.vault.azure.net/secrets/db?x=1',
    'https://u:p@shop.vault.azure.net/secrets/db',
    'https://shop.vault.azure.net:8443/secrets/db',
    'https://shop.vault.azure.net/secrets/db/not-a-version',
    'https://shop.vault.azure.net/secrets/../db',
    'db-password',
  ])('refuses %s as a Key Vault reference', (ref) => {
    expect(refusal(() => parseKeyVaultReference(ref, hosts))).toContain('Key Vault secret URI');
  });

  it('refuses a Key Vault host outside the allowed ones, naming it', () => {
    expect(refusal(() => parseKeyVaultReference('https://evil.example.com/secrets/db', hosts))).toContain('evil.example.com');
    expect(refusal(() => parseKeyVaultReference('https://a.b.vault.azure.net/secrets/db', hosts))).toContain('not one of the vault hosts');
    expect(hostAllowed('kv.vault.azure.cn', ['*.vault.azure.net', 'kv.vault.azure.cn'])).toBe(true);
    expect(hostAllowed('vault.azure.net', ['*.vault.azure.net'])).toBe(false);
  });

  it('parses Vault URIs and refuses malformed ones', () => {
    expect(parseVaultReference('vault://kv/acme/web/db#password')).toEqual({ mount: 'kv', path: 'acme/web/db', key: 'password' });
    for (const bad of ['vault://kv/acme/db', 'vault://kv#k', 'vault://kv/../sys/x#k', 'vault://kv/a//b#k', 'https://kv/a#k', 'vault://kv/a#k?x=1']) {
      expect(refusal(() => parseVaultReference(bad))).toContain('Vault URI');
    }
  });

  it('asks a vault-backed binding for a reference and an identity, and an inline one for a value only', () => {
    const base = { reference: 'vault://kv/acme/db#password', identity: 'shop-web', hasValue: false };
    expect(() => validateBindingSource({ provider: 'hashicorp-vault', ...base }, hosts)).not.toThrow();
    expect(refusal(() => validateBindingSource({ provider: 'hashicorp-vault', ...base, identity: null }, hosts))).toContain('identity');
    expect(refusal(() => validateBindingSource({ provider: 'hashicorp-vault', ...base, hasValue: true }, hosts))).toContain('never sent to the control plane');
    expect(refusal(() => validateBindingSource({ provider: 'azure-key-vault', reference: 'https://kv.vault.azure.net/secrets/db', identity: 'shop-web', hasValue: false }, hosts))).toContain('managed identity');
    expect(() => validateBindingSource({ provider: 'azure-key-vault', reference: 'https://kv.vault.azure.net/secrets/db', identity: '6a1f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', hasValue: false }, hosts)).not.toThrow();
    expect(() => validateBindingSource({ provider: 'inline', reference: null, identity: null, hasValue: true }, hosts)).not.toThrow();
    expect(refusal(() => validateBindingSource({ provider: 'inline', reference: null, identity: null, hasValue: false }, hosts))).toContain('needs a value');
    expect(refusal(() => validateBindingSource({ provider: 'inline', reference: 'vault://kv/a#b', identity: null, hasValue: true }, hosts))).toContain('not a reference');
  });
});
