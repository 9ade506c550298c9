import { createServer } from 'node:net';
import { freePort, testSettings } from '@rcp/testing';
import { HashicorpVaultResolver } from '../../../src/contexts/configuration/infrastructure/secrets/hashicorp-vault.resolver';
import { VaultTestServer } from '../../support/vault-server';

const TOKEN = 'hvs.control-plane-token-0123456789';
const VALUE = 'db-password-value-never-returned';

/** The Vault adapter with the vendor's client against a server speaking Vault's documented HTTP API. */
describe('HashicorpVaultResolver', () => {
  const vault = new VaultTestServer(TOKEN);
  let addr: string;
  const resolver = (overrides: Record<string, string> = {}) => new HashicorpVaultResolver(testSettings({ VAULT_ADDR: addr, VAULT_TOKEN: TOKEN, SECRETS_CHECK_TIMEOUT_MS: '1000', ...overrides }));
  const binding = (reference: string, identity = 'checkout') => ({ name: 'DB_PASSWORD', provider: 'hashicorp-vault' as const, reference, identity });

  beforeAll(async () => {
    addr = await vault.start();
    vault.secrets.set('kv/acme/shop/db', { password: VALUE, user: 'shop' });
    vault.secrets.set('kv/acme/shop/deleted', null);
    vault.forbidden.add('kv/other/db');
    vault.roles.add('kubernetes/checkout');
  });
  afterAll(() => vault.stop());
  beforeEach(() => {
    vault.sealed = false;
  });

  it('is resolvable when the token is valid, the secret holds the key and the role exists; the value goes nowhere', async () => {
    const result = await resolver().check(binding('vault://kv/acme/shop/db#password'));
    expect(result).toEqual({ status: 'resolvable', reason: null });
    expect(vault.requests.slice(-3)).toEqual([`GET /v1/auth/token/lookup-self ${TOKEN}`, `GET /v1/kv/data/acme/shop/db ${TOKEN}`, `GET /v1/auth/kubernetes/role/checkout ${TOKEN}`]);
    expect(JSON.stringify(result)).not.toContain(VALUE);
  });

  it.each([
    ['a missing secret', 'vault://kv/acme/shop/missing#password', 'checkout', 'the secret does not exist in the vault'],
    ['a missing key', 'vault://kv/acme/shop/db#api-key', 'checkout', 'the secret has no key api-key'],
    ['a deleted current version', 'vault://kv/acme/shop/deleted#password', 'checkout', 'the secret has no current version (deleted or destroyed)'],
    ['a path the token may not read', 'vault://kv/other/db#password', 'checkout', 'the control plane may not read this secret (403)'],
    ['an unknown role', 'vault://kv/acme/shop/db#password', 'billing', 'the Vault role billing does not exist'],
  ])('is unresolvable for %s, with a fixed reason', async (_what, reference, identity, reason) => {
    const result = await resolver().check(binding(reference, identity));
    expect(result).toEqual({ status: 'unresolvable', reason });
    expect(JSON.stringify(result)).not.toContain(VALUE);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('is unresolvable with a bad control-plane token, a sealed vault, and an unreachable one', async () => {
    expect(await resolver({ VAULT_TOKEN: 'hvs.wrong' }).check(binding('vault://kv/acme/shop/db#password'))).toEqual({ status: 'unresolvable', reason: 'the control plane\'s Vault token is not valid' });
    vault.sealed = true;
    expect(await resolver().check(binding('vault://kv/acme/shop/db#password'))).toEqual({ status: 'unresolvable', reason: 'the vault is sealed or in standby' });
    const closed = await freePort();
    expect(await resolver({ VAULT_ADDR: `http://127.0.0.1:${closed}` }).check(binding('vault://kv/acme/shop/db#password'))).toEqual({ status: 'unresolvable', reason: 'the vault is unreachable' });
  });

  it('gives up on a vault that does not answer within SECRETS_CHECK_TIMEOUT_MS', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const result = await resolver({ VAULT_ADDR: `http://127.0.0.1:${port}`, SECRETS_CHECK_TIMEOUT_MS: '300' }).check(binding('vault://kv/acme/shop/db#password'));
      expect(result).toEqual({ status: 'unresolvable', reason: 'the vault did not answer in time' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('is configured only with VAULT_ADDR and VAULT_TOKEN', () => {
    expect(resolver().configured()).toBe(true);
    expect(new HashicorpVaultResolver(testSettings({ VAULT_ADDR: addr })).configured()).toBe(false);
    expect(new HashicorpVaultResolver(testSettings()).configured()).toBe(false);
  });
});
