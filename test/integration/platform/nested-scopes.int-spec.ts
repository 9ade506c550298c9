import { DbScope, NestedScopeError } from '@rcp/persistence';
import { SpineApp, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);

const ACME: DbScope = { tenantId: 'acme', platform: false };
const GLOBEX: DbScope = { tenantId: 'globex', platform: false };
const PLATFORM: DbScope = { tenantId: null, platform: true };
const SYSTEM_FOR_ACME: DbScope = { tenantId: 'acme', platform: true };

/**
 * Issue 9, "tenant scope on every path": a nested `TransactionManager.run` joins its outer transaction,
 * whose role and tenant were set when it opened. A nested call that names a different scope used to be
 * ignored silently (a tenant's work ran with the platform's rights, or another tenant's setting); now it
 * is refused, and one that names the outer scope (or none) joins as before.
 */
describe('a nested transaction with an explicit scope', () => {
  let t: SpineApp;
  beforeAll(async () => {
    t = await startSpineApp({ RCP_ROLE: 'api' });
  });
  afterAll(async () => t?.close());

  const setting = `SELECT current_setting('rcp.tenant_id') AS tenant, current_user AS role, txid_current() AS xid`;
  type Seen = Array<{ tenant: string; role: string; xid: string }>;

  it.each<[string, DbScope]>([
    ['a tenant', ACME],
    ['the platform', PLATFORM],
    ['the system for a tenant', SYSTEM_FOR_ACME],
  ])('joins the outer transaction when it names the outer scope (%s)', async (_name, scope) => {
    const [outer, inner, unnamed] = await t.tx.run(async (m) => {
      const o: Seen = await m.query(setting);
      const i: Seen = await t.tx.run((n) => n.query(setting), { ...scope });
      const u: Seen = await t.tx.run((n) => n.query(setting));
      return [o[0], i[0], u[0]];
    }, scope);
    expect(inner).toEqual(outer);
    expect(unnamed).toEqual(outer);
  });

  it.each<[string, DbScope, DbScope]>([
    ['another tenant inside a tenant', ACME, GLOBEX],
    ['the platform inside a tenant', ACME, PLATFORM],
    ['a tenant inside the platform', PLATFORM, ACME],
    ['the system for a tenant inside the platform', PLATFORM, SYSTEM_FOR_ACME],
    ['the tenant login inside the system for that tenant', SYSTEM_FOR_ACME, ACME],
  ])('throws when it names another scope (%s), and the outer transaction rolls back', async (_name, outer, inner) => {
    await t.asOwner(`CREATE TABLE IF NOT EXISTS public.nested_scope_probe (n int)`);
    await t.asOwner(`GRANT ALL ON public.nested_scope_probe TO PUBLIC`);
    let innerRan = false;
    const err = await t.tx
      .run(async (m) => {
        await m.query(`INSERT INTO public.nested_scope_probe VALUES (1)`);
        await t.tx.run(async () => {
          innerRan = true;
        }, inner);
      }, outer)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NestedScopeError);
    expect((err as Error).message).toMatch(/nested transaction asked for scope .* inside a transaction of scope/);
    expect(innerRan).toBe(false);
    expect(await t.asOwner(`SELECT count(*)::int AS n FROM public.nested_scope_probe`)).toEqual([{ n: 0 }]);
  });

  it('read() with a scope follows the same rule', async () => {
    const err = await t.tx.run(() => t.tx.read(async () => 'never', PLATFORM), ACME).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NestedScopeError);
    await expect(t.tx.run(() => t.tx.read(async () => 'joined', ACME), ACME)).resolves.toBe('joined');
  });
});
