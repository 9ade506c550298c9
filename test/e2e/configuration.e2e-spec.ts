import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { delivered, environmentIn, eventsOf, givenEnvironment, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

/** The inline secret of this run: it must never come back in a response, a log line, an event or an audit row. */
const INLINE_SECRET = `inline-${randomBytes(12).toString('hex')}`;
const MASTER_KEY = `k1:${randomBytes(32).toString('base64')}`;

describe('Configuration & Secrets API (e2e)', () => {
  let t: App;
  const logs: string[] = [];
  const responses: string[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** Every response of this file is kept for the leak check at the end. */
  const keep = <R extends { text: string; headers: Record<string, string> }>(res: R): R => {
    responses.push(res.text ?? '', JSON.stringify(res.headers));
    return res;
  };
  const get = async (path: string, token: string) => keep(await t.http().get(path).set(bearer(token)));
  const post = async (path: string, token: string, body?: object) => keep(await t.http().post(path).set(bearer(token)).send(body));
  const del = async (path: string, token: string, headers: Record<string, string> = {}) => keep(await t.http().delete(path).set({ ...bearer(token), ...headers }));

  /** A tenant with one environment (project web) that the configuration context has seen. */
  const givenEnv = async (tenant?: GivenTenant) => {
    const owner = tenant ?? (await givenTenant(t));
    const env = await givenReadyEnvironment(t, owner);
    await delivered(t, env.id);
    return { owner, env, base: `/v1/environments/${env.id}` };
  };
  const publish = (base: string, token: string, body: object) => post(`${base}/config-versions`, token, body);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    t = await startTestApp(
      { LOG_LEVEL: 'debug', SECRETS_INLINE_ALLOWED: 'true', SECRETS_MASTER_KEY: MASTER_KEY, JOB_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_BASE_MS: '10', RELAY_IDLE_MAX_MS: '50' },
      undefined,
      { logDestination: sink },
    );
  });
  afterAll(() => t.close());

  describe('config versions', () => {
    it('publishes version 1 with its canonical checksum, Location and ETag, and publishes an event with keys only', async () => {
      const { owner, env, base } = await givenEnv();
      const res = await publish(base, owner.deployer, { service: 'checkout', entries: { LOG_LEVEL: 'info', CURRENCY: 'EUR' } });
      expect(res.status).toBe(201);
      const canonical = '{"entries":{"CURRENCY":"EUR","LOG_LEVEL":"info"},"secretRefs":[]}';
      expect(res.body).toEqual({
        environmentId: env.id,
        service: 'checkout',
        version: 1,
        checksum: createHash('sha256').update(canonical).digest('hex'),
        entries: { LOG_LEVEL: 'info', CURRENCY: 'EUR' },
        secretRefs: [],
        author: `deployer@${owner.id}`,
        createdAt: expect.any(String),
        created: true,
      });
      expect(res.headers.location).toBe(`${base}/config-versions/1?service=checkout`);
      expect(res.headers.etag).toBe('"1"');
      const events = await eventsOf(t, (await t.asOwner(`SELECT id FROM configuration.runtime_configurations WHERE environment_id = $1`, [env.id]))[0].id);
      expect(events.map((e) => e.type)).toEqual(['rcp.configuration.config-version-published.v1']);
      expect(events[0].data).toMatchObject({ environmentId: env.id, service: 'checkout', version: 1, keys: ['CURRENCY', 'LOG_LEVEL'], secretRefs: [], previousVersion: null });
      expect(JSON.stringify(events[0].data)).not.toContain('EUR');
    });

    it('answers the latest version for the same content (created: false): no new version, no event, no audit row', async () => {
      const { owner, base } = await givenEnv();
      const first = await publish(base, owner.admin, { service: 'web', entries: { A: '1', B: '2' } });
      const again = await publish(base, owner.admin, { service: 'web', entries: { B: '2', A: '1' }, secretRefs: [] });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ version: 1, checksum: first.body.checksum, created: false });
      const list = await get(`${base}/config-versions?service=web`, owner.viewer);
      expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
      const audit = await get(`/v1/audit-log?action=config-version.publish`, owner.admin);
      expect(audit.body.items.filter((a: { targetId: string }) => a.targetId.endsWith('/web'))).toHaveLength(1);
    });

    it('lists versions newest first by pages, gets one, and diffs two', async () => {
      const { owner, base } = await givenEnv();
      await publish(base, owner.admin, { service: 'api', entries: { A: '1', B: '2', C: '3' } });
      await publish(base, owner.admin, { service: 'api', entries: { A: '1', B: '20', D: '4' } });
      await publish(base, owner.admin, { service: 'api', entries: { A: '1' } });
      const page1 = await get(`${base}/config-versions?service=api&limit=2`, owner.viewer);
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
      const page2 = await get(`${base}/config-versions?service=api&limit=2&cursor=${page1.body.nextCursor}`, owner.viewer);
      expect(page2.body).toMatchObject({ items: [{ version: 1 }], nextCursor: null });
      const v2 = await get(`${base}/config-versions/2?service=api`, owner.viewer);
      expect(v2.status).toBe(200);
      expect(v2.body).toMatchObject({ version: 2, entries: { A: '1', B: '20', D: '4' } });
      expect(v2.headers.etag).toBe('"2"');
      const diff = await get(`${base}/config-versions/2/diff?service=api&from=1`, owner.viewer);
      expect(diff.status).toBe(200);
      expect(diff.body).toEqual({
        environmentId: base.split('/').pop(),
        service: 'api',
        from: 1,
        to: 2,
        added: [{ key: 'D', value: '4' }],
        removed: [{ key: 'C', value: '3' }],
        changed: [{ key: 'B', from: '2', to: '20' }],
        secretRefsAdded: [],
        secretRefsRemoved: [],
      });
      expect((await get(`${base}/config-versions/9?service=api`, owner.viewer)).status).toBe(404);
      expect((await get(`${base}/config-versions/2/diff?service=api&from=9`, owner.viewer)).status).toBe(404);
      expect((await get(`${base}/config-versions/abc?service=api`, owner.viewer)).status).toBe(404);
      expect((await get(`${base}/config-versions/1?service=other`, owner.viewer)).status).toBe(404);
      expect((await get(`${base}/config-versions`, owner.viewer)).status).toBe(400);
    });

    it('refuses an entry that looks like a secret with 422, naming the key and never the value', async () => {
      const { owner, base } = await givenEnv();
      const res = await publish(base, owner.admin, { service: 'web', entries: { LOG_LEVEL: 'info', DATABASE_URL: 'postgres://shop:Hunter2-Hunter2@db:5432/shop', STRIPE_API_KEY: 'x' } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'secret_value_forbidden', errors: [{ field: 'entries.DATABASE_URL' }, { field: 'entries.STRIPE_API_KEY' }] });
      expect(res.body.detail).toContain('DATABASE_URL');
      expect(res.text).not.toContain('Hunter2-Hunter2');
      expect((await get(`${base}/config-versions?service=web`, owner.viewer)).body.items).toEqual([]);
    });

    it('refuses too many entries, too large a value, an unknown field, a bad service, and unknown bindings', async () => {
      const { owner, base } = await givenEnv();
      const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`K${i}`, 'v']));
      const tooMany = await publish(base, owner.admin, { service: 'web', entries: many });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.code).toBe('validation_failed');
      const big = await publish(base, owner.admin, { service: 'web', entries: { BLOB: 'x'.repeat(32 * 1024 + 1) } });
      expect(big.status).toBe(400);
      expect(big.body.errors).toEqual([{ field: 'entries.BLOB', message: expect.stringContaining('32769 bytes') }]);
      expect((await publish(base, owner.admin, { service: 'web', entries: {}, extra: true })).status).toBe(400);
      expect((await publish(base, owner.admin, { service: 'Web_1', entries: {} })).status).toBe(400);
      expect((await publish(base, owner.admin, { service: 'web', entries: { A: 1 } })).status).toBe(400);
      const unbound = await publish(base, owner.admin, { service: 'web', entries: {}, secretRefs: ['DB_PASSWORD'] });
      expect(unbound.status).toBe(409);
      expect(unbound.body).toMatchObject({ code: 'precondition_failed', reasons: ['secret binding DB_PASSWORD does not exist in this environment'] });
    });

    it('hides another tenant\'s and another project\'s environment (404) and refuses viewers (403)', async () => {
      const { owner, base } = await givenEnv();
      const other = await givenTenant(t);
      expect((await publish(base, other.admin, { service: 'web', entries: {} })).status).toBe(404);
      expect((await get(`${base}/config-versions?service=web`, other.viewer)).status).toBe(404);
      const shopOnly = owner.token('tenant:admin', { projectIds: ['shop'] });
      expect((await publish(base, shopOnly, { service: 'web', entries: {} })).status).toBe(404);
      expect((await publish(base, owner.viewer, { service: 'web', entries: {} })).status).toBe(403);
      expect((await publish('/v1/environments/00000000-0000-4000-8000-000000000000', owner.admin, { service: 'web', entries: {} })).status).toBe(404);
    });

    it('refuses a change once the environment is decommissioned (409), still serves its versions, and removes its bindings', async () => {
      const { owner, env, base } = await givenEnv();
      const binding = await post(`${base}/secret-bindings`, owner.admin, { name: 'DB_PASSWORD', provider: 'inline', value: INLINE_SECRET });
      await publish(base, owner.admin, { service: 'web', entries: { A: '1' }, secretRefs: ['DB_PASSWORD'] });
      expect((await del(`/v1/environments/${env.id}`, owner.admin)).status).toBe(202);
      await environmentIn(t, owner, env.id, 'decommissioned');
      await delivered(t, env.id);
      const res = await publish(base, owner.admin, { service: 'web', entries: { A: '2' } });
      expect(res.status).toBe(409);
      expect(res.body.reasons).toEqual([`environment ${env.id} is decommissioned`]);
      expect((await get(`${base}/config-versions/1?service=web`, owner.viewer)).status).toBe(200);
      await delivered(t, binding.body.id);
      expect((await get(`${base}/secret-bindings`, owner.viewer)).body.items).toEqual([]);
      expect((await eventsOf(t, binding.body.id)).map((e) => e.type)).toEqual(['rcp.configuration.secret-binding-created.v1', 'rcp.configuration.secret-binding-removed.v1']);
      const [wiped] = await t.asOwner(`SELECT sealed_envelope, removed_at FROM configuration.secret_bindings WHERE id = $1`, [binding.body.id]);
      expect(wiped).toEqual({ sealed_envelope: null, removed_at: expect.any(Date) });
      const audit = await t.asOwner(`SELECT actor FROM platform.audit_log WHERE action = 'secret-binding.remove' AND target_id = $1`, [binding.body.id]);
      expect(audit).toHaveLength(1);
    });

    it('accepts configuration for an environment that is still provisioning', async () => {
      const owner = await givenTenant(t);
      const env = await givenEnvironment(t, owner);
      await delivered(t, env.id);
      const res = await publish(`/v1/environments/${env.id}`, owner.admin, { service: 'web', entries: { A: '1' } });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
    });
  });

  describe('secret bindings', () => {
    it('binds an inline value write-only: answered, listed and read without it, checked, referenced by a version, then removed', async () => {
      const { owner, env, base } = await givenEnv();
      const created = await post(`${base}/secret-bindings`, owner.admin, { name: 'DB_PASSWORD', provider: 'inline', value: INLINE_SECRET });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        tenantId: owner.id,
        projectId: 'web',
        environmentId: env.id,
        name: 'DB_PASSWORD',
        provider: 'inline',
        reference: null,
        identity: null,
        status: 'resolvable',
        reason: null,
        checkedAt: expect.any(String),
        createdBy: `admin@${owner.id}`,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        removedAt: null,
        version: 1,
      });
      expect(created.headers.location).toBe(`${base}/secret-bindings/DB_PASSWORD`);
      const [row] = await t.asOwner(`SELECT sealed_key_id, sealed_envelope FROM configuration.secret_bindings WHERE id = $1`, [created.body.id]);
      expect(row.sealed_key_id).toBe('k1');
      expect(Buffer.from(row.sealed_envelope, 'base64').toString('utf8')).not.toContain(INLINE_SECRET);

      expect((await get(`${base}/secret-bindings/DB_PASSWORD`, owner.viewer)).body).toMatchObject({ name: 'DB_PASSWORD', status: 'resolvable' });
      expect((await get(`${base}/secret-bindings`, owner.viewer)).body.items.map((b: { name: string }) => b.name)).toEqual(['DB_PASSWORD']);
      const checked = await post(`${base}/secret-bindings/DB_PASSWORD/check`, owner.deployer);
      expect(checked.status).toBe(200);
      expect(checked.body).toMatchObject({ status: 'resolvable', version: 2 });
      expect(Date.parse(checked.body.checkedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.checkedAt));

      const version = await publish(base, owner.deployer, { service: 'checkout', entries: { LOG_LEVEL: 'info' }, secretRefs: ['DB_PASSWORD'] });
      expect(version.status).toBe(201);
      expect(version.body.secretRefs).toEqual(['DB_PASSWORD']);

      expect((await del(`${base}/secret-bindings/DB_PASSWORD`, owner.admin, { 'if-match': '"1"' })).status).toBe(412);
      const removed = await del(`${base}/secret-bindings/DB_PASSWORD`, owner.admin);
      expect(removed.status).toBe(200);
      expect(removed.body.removedAt).toEqual(expect.any(String));
      expect((await get(`${base}/secret-bindings/DB_PASSWORD`, owner.viewer)).status).toBe(404);
      expect((await del(`${base}/secret-bindings/DB_PASSWORD`, owner.admin)).status).toBe(404);
      const [wiped] = await t.asOwner(`SELECT sealed_key_id, sealed_envelope FROM configuration.secret_bindings WHERE id = $1`, [created.body.id]);
      expect(wiped).toEqual({ sealed_key_id: null, sealed_envelope: null });
      const events = await eventsOf(t, created.body.id);
      expect(events.map((e) => e.type)).toEqual(['rcp.configuration.secret-binding-created.v1', 'rcp.configuration.secret-binding-removed.v1']);
      expect(events[0].data).toEqual({
        bindingId: created.body.id,
        environmentId: env.id,
        tenantId: owner.id,
        projectId: 'web',
        name: 'DB_PASSWORD',
        provider: 'inline',
        reference: null,
        identity: null,
        status: 'resolvable',
        reason: null,
      });
      // The name is free again.
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'DB_PASSWORD', provider: 'inline', value: INLINE_SECRET })).status).toBe(201);
    });

    it('binds a vault reference of a provider the control plane has no settings for as unresolvable (fail closed)', async () => {
      const { owner, base } = await givenEnv();
      const vault = await post(`${base}/secret-bindings`, owner.admin, { name: 'MQ_PASSWORD', provider: 'hashicorp-vault', reference: 'vault://kv/acme/mq#password', identity: 'checkout' });
      expect(vault.status).toBe(201);
      expect(vault.body).toMatchObject({ provider: 'hashicorp-vault', reference: 'vault://kv/acme/mq#password', identity: 'checkout', status: 'unresolvable', reason: 'hashicorp-vault is not configured on the control plane' });
      const azure = await post(`${base}/secret-bindings`, owner.admin, {
        name: 'TLS_KEY',
        provider: 'azure-key-vault',
        reference: 'https://shop-prod.vault.azure.net/secrets/tls-key',
        identity: '6a1f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
      });
      expect(azure.body).toMatchObject({ status: 'unresolvable', reason: 'azure-key-vault is not configured on the control plane' });
      const checked = await post(`${base}/secret-bindings/MQ_PASSWORD/check`, owner.admin);
      expect(checked.body).toMatchObject({ status: 'unresolvable', version: 2 });
      expect(await eventsOf(t, vault.body.id, 'rcp.configuration.secret-binding-resolvability-changed')).toEqual([]);
    });

    it('refuses malformed references, hosts outside the allowed vaults, a value with a reference, and a taken name', async () => {
      const { owner, base } = await givenEnv();
      const bad = await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'hashicorp-vault', reference: 'kv/acme/db', identity: 'r' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'reference', message: 'reference must be a Vault URI: vault://<mount>/<path>#<key>' }]);
      const host = await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'azure-key-vault', reference: 'https://vault.evil.example/secrets/db', identity: '6a1f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b' });
      expect(host.status).toBe(400);
      expect(host.body.detail).toContain('vault.evil.example');
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'hashicorp-vault', reference: 'vault://kv/a#b', identity: 'r', value: 'x' })).status).toBe(400);
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'hashicorp-vault', reference: 'vault://kv/a#b' })).status).toBe(400);
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'gcp', reference: 'x' })).status).toBe(400);
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: '1-bad name', provider: 'inline', value: 'x' })).status).toBe(400);
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'inline', value: 'x' })).status).toBe(201);
      const taken = await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'inline', value: 'y' });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ code: 'precondition_failed', reasons: ['secret binding name A is taken'] });
    });

    it('lets only tenant admins bind and remove, readers read, and hides other tenants\' bindings', async () => {
      const { owner, base } = await givenEnv();
      expect((await post(`${base}/secret-bindings`, owner.deployer, { name: 'A', provider: 'inline', value: 'x' })).status).toBe(403);
      expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'A', provider: 'inline', value: 'x' })).status).toBe(201);
      expect((await del(`${base}/secret-bindings/A`, owner.deployer)).status).toBe(403);
      expect((await post(`${base}/secret-bindings/A/check`, owner.viewer)).status).toBe(403);
      expect((await get(`${base}/secret-bindings/A`, owner.viewer)).status).toBe(200);
      const other = await givenTenant(t);
      expect((await get(`${base}/secret-bindings/A`, other.admin)).status).toBe(404);
      expect((await get(`${base}/secret-bindings`, other.admin)).status).toBe(404);
      expect((await post(`${base}/secret-bindings/A/check`, other.admin)).status).toBe(404);
      expect((await del(`${base}/secret-bindings/A`, other.admin)).status).toBe(404);
      expect((await get(`${base}/secret-bindings/NOPE`, owner.viewer)).status).toBe(404);
      const denied = await t.asOwner(`SELECT action, result FROM platform.audit_log WHERE tenant_id = $1 AND result <> 'allowed' ORDER BY id`, [owner.id]);
      expect(denied.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['secret-binding.create', 'secret-binding.remove', 'secret-binding.check']));
    });

    it('refuses inline bindings where SECRETS_INLINE_ALLOWED is not true (409)', async () => {
      const plain = await startTestApp();
      try {
        const owner = await givenTenant(plain);
        const env = await givenReadyEnvironment(plain, owner);
        await delivered(plain, env.id);
        const res = keep(await plain.http().post(`/v1/environments/${env.id}/secret-bindings`).set(bearer(owner.admin)).send({ name: 'A', provider: 'inline', value: INLINE_SECRET }));
        expect(res.status).toBe(409);
        expect(res.body.reasons).toEqual(['inline secrets are disabled (SECRETS_INLINE_ALLOWED is not true)']);
      } finally {
        await plain.close();
      }
    });
  });

  it('never shows the inline value in a response, a log line, an event, an audit row or a job of the whole run', async () => {
    // Runs last in this file's order; with --randomize it still scans what the run has produced so far, and binds once more itself.
    const { owner, base } = await givenEnv();
    expect((await post(`${base}/secret-bindings`, owner.admin, { name: 'LEAK_CHECK', provider: 'inline', value: INLINE_SECRET })).status).toBe(201);
    await get(`${base}/secret-bindings/LEAK_CHECK`, owner.admin);
    await get(`/v1/events?limit=200`, owner.admin);
    await get(`/v1/audit-log?limit=200`, owner.admin);
    const stored = await t.asOwner(`SELECT
        (SELECT coalesce(string_agg(envelope::text, ''), '') FROM platform.event_log) AS events,
        (SELECT coalesce(string_agg(envelope::text, ''), '') FROM platform.outbox_events) AS outbox,
        (SELECT coalesce(string_agg(row_to_json(k)::text, ''), '') FROM platform.idempotency_keys k) AS idempotency,
        (SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM platform.audit_log a) AS audit,
        (SELECT coalesce(string_agg(row_to_json(j)::text, ''), '') FROM platform.jobs j) AS jobs,
        (SELECT coalesce(string_agg(row_to_json(b)::text, ''), '') FROM configuration.secret_bindings b) AS bindings`);
    expect(logs.join('').length).toBeGreaterThan(1000); // the app really logged (debug)
    for (const [where, text] of [['responses', responses.join('\n')], ['logs', logs.join('')], ...Object.entries(stored[0])] as Array<[string, string]>) {
      expect({ where, leaked: text.includes(INLINE_SECRET) }).toEqual({ where, leaked: false });
    }
  });
});
