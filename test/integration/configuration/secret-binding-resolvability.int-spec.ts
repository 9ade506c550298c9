import { delivered, eventsOf, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';
import { VaultTestServer } from '../../support/vault-server';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

const TOKEN = 'hvs.control-plane-token-integration';

/** Bindings of a configured Vault follow it: created resolvable, unresolvable while it is sealed (an event each way). */
describe('secret binding resolvability with a Vault', () => {
  const vault = new VaultTestServer(TOKEN);
  let t: App;
  let owner: GivenTenant;
  let base: string;
  const bearer = () => ({ authorization: `Bearer ${owner.admin}` });

  beforeAll(async () => {
    const addr = await vault.start();
    vault.secrets.set('kv/acme/shop/db', { password: 'never-leaves-the-vault' });
    vault.roles.add('kubernetes/checkout');
    t = await startTestApp({ VAULT_ADDR: addr, VAULT_TOKEN: TOKEN, RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10' });
    owner = await givenTenant(t);
    const env = await givenReadyEnvironment(t, owner);
    await delivered(t, env.id);
    base = `/v1/environments/${env.id}/secret-bindings`;
  });
  afterAll(async () => {
    await t.close();
    await vault.stop();
  });

  it('creates a resolvable binding, turns it unresolvable while the vault is sealed and back, publishing each change', async () => {
    const created = await t.http().post(base).set(bearer()).send({ name: 'DB_PASSWORD', provider: 'hashicorp-vault', reference: 'vault://kv/acme/shop/db#password', identity: 'checkout' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'resolvable', reason: null });
    vault.sealed = true;
    const sealed = await t.http().post(`${base}/DB_PASSWORD/check`).set(bearer());
    expect(sealed.body).toMatchObject({ status: 'unresolvable', reason: 'the vault is sealed or in standby' });
    vault.sealed = false;
    const back = await t.http().post(`${base}/DB_PASSWORD/check`).set(bearer());
    expect(back.body).toMatchObject({ status: 'resolvable', reason: null, version: 3 });
    const events = await eventsOf(t, created.body.id);
    expect(events.map((e) => [e.type, (e.data as { status?: string }).status])).toEqual([
      ['rcp.configuration.secret-binding-created.v1', 'resolvable'],
      ['rcp.configuration.secret-binding-resolvability-changed.v1', 'unresolvable'],
      ['rcp.configuration.secret-binding-resolvability-changed.v1', 'resolvable'],
    ]);
    expect(JSON.stringify(events)).not.toContain('never-leaves-the-vault');
  });

  it('creates a binding to a missing secret as unresolvable, with the reason', async () => {
    const res = await t.http().post(base).set(bearer()).send({ name: 'MISSING', provider: 'hashicorp-vault', reference: 'vault://kv/acme/shop/nope#password', identity: 'checkout' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'unresolvable', reason: 'the secret does not exist in the vault' });
  });
});
