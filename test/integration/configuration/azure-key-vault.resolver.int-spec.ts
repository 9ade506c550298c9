import { freePort, testSettings } from '@rcp/testing';
import { AzureKeyVaultResolver } from '../../../src/contexts/configuration/infrastructure/secrets/azure-key-vault.resolver';
import { KeyVaultTestServer, testCertificates } from '../../support/key-vault-server';

jest.setTimeout(20_000);

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '4e9f2a1c-0b7d-4c3e-9f8a-1b2c3d4e5f60';
const SECRET = 'client-secret-of-the-control-plane';
const VALUE = 'tls-key-value-never-returned';
const VERSION = '0123456789abcdef0123456789abcdef';
const IDENTITY = '6a1f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b';

/** The Key Vault adapter with Microsoft's clients against an HTTPS server speaking Key Vault's and Entra ID's documented APIs. */
describe('AzureKeyVaultResolver', () => {
  const tls = testCertificates();
  const kv = new KeyVaultTestServer(tls, TENANT, CLIENT, SECRET);
  let endpoints: { authorityHost: string; connectTo: string };
  const resolver = (overrides: Record<string, string> = {}) =>
    new AzureKeyVaultResolver(
      testSettings({
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_CLIENT_SECRET: SECRET,
        AZURE_AUTHORITY_HOST: endpoints.authorityHost,
        AZURE_KEY_VAULT_CONNECT_TO: endpoints.connectTo,
        SECRETS_CA_FILE: tls.caFile,
        SECRETS_CHECK_TIMEOUT_MS: '3000',
        ...overrides,
      }),
    );
  const binding = (reference: string) => ({ name: 'TLS_KEY', provider: 'azure-key-vault' as const, reference, identity: IDENTITY });

  beforeAll(async () => {
    endpoints = await kv.start();
    kv.secrets.set('shop-prod.vault.azure.net/tls-key', { value: VALUE, version: VERSION, enabled: true });
    kv.secrets.set('shop-prod.vault.azure.net/old-key', { value: VALUE, version: VERSION, enabled: false });
    kv.forbidden.add('shop-prod.vault.azure.net/payroll');
  });
  afterAll(async () => {
    await kv.stop();
    tls.cleanup();
  });

  it('is resolvable for a secret the control plane can get, after the bearer challenge and a client-credentials token', async () => {
    const result = await resolver().check(binding('https://shop-prod.vault.azure.net/secrets/tls-key'));
    expect(result).toEqual({ status: 'resolvable', reason: null });
    expect(kv.requests).toEqual(
      expect.arrayContaining([`POST localhost/${TENANT}/oauth2/v2.0/token`, 'GET shop-prod.vault.azure.net/secrets/tls-key/']),
    );
    expect(await resolver().check(binding(`https://shop-prod.vault.azure.net/secrets/tls-key/${VERSION}`))).toEqual({ status: 'resolvable', reason: null });
  });

  it.each([
    ['a missing secret', 'https://shop-prod.vault.azure.net/secrets/nope', 'the secret does not exist in the vault'],
    ['a missing version', 'https://shop-prod.vault.azure.net/secrets/tls-key/ffffffffffffffffffffffffffffffff', 'the secret does not exist in the vault'],
    ['a secret it may not get', 'https://shop-prod.vault.azure.net/secrets/payroll', 'the control plane may not read this secret (403)'],
    ['a disabled secret', 'https://shop-prod.vault.azure.net/secrets/old-key', 'the secret is disabled in the vault'],
  ])('is unresolvable for %s, with a fixed reason', async (_what, reference, reason) => {
    const result = await resolver().check(binding(reference));
    expect(result).toEqual({ status: 'unresolvable', reason });
    expect(JSON.stringify(result)).not.toContain(VALUE);
  });

  it('is unresolvable when Entra ID refuses the control plane\'s credential, or the vault cannot be reached', async () => {
    expect(await resolver({ AZURE_CLIENT_SECRET: 'wrong' }).check(binding('https://shop-prod.vault.azure.net/secrets/tls-key'))).toEqual({
      status: 'unresolvable',
      reason: 'the control plane could not authenticate to Key Vault',
    });
    const closed = await freePort();
    expect(await resolver({ AZURE_KEY_VAULT_CONNECT_TO: `127.0.0.1:${closed}` }).check(binding('https://shop-prod.vault.azure.net/secrets/tls-key'))).toEqual({
      status: 'unresolvable',
      reason: 'the vault is unreachable',
    });
  });

  it('does not trust a vault whose certificate no configured authority signed', async () => {
    const result = await resolver({ SECRETS_CA_FILE: '' }).check(binding('https://shop-prod.vault.azure.net/secrets/tls-key'));
    expect(result).toEqual({ status: 'unresolvable', reason: 'the vault\'s TLS certificate is not trusted (see SECRETS_CA_FILE)' });
  });

  it('is configured only with the tenant, client id and client secret', () => {
    expect(resolver().configured()).toBe(true);
    expect(new AzureKeyVaultResolver(testSettings({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT })).configured()).toBe(false);
  });
});
