import { randomBytes } from 'node:crypto';
import { createTestDatabase, delivered, eventsOf, eventually, givenReadyEnvironment, givenTenant, startTestApp, testRedisPrefix, testSettings } from '@rcp/testing';
import { SecretResealer } from '../../../src/contexts/configuration/application/secret-resealer';
import { AesGcmSecretSealer } from '../../../src/contexts/configuration/infrastructure/secrets/aes-gcm.secret-sealer';

jest.setTimeout(60_000);

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const fast = { RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10', JOB_BACKOFF_BASE_MS: '20', SECRETS_INLINE_ALLOWED: 'true', SECRETS_RESEAL_INTERVAL_SECONDS: '0' };

/**
 * Master key rotation on a real database: values sealed under k1 stay resolvable while k1 is retired,
 * are re-sealed under k2 by the worker's job, and stay readable once k1 is dropped; a value whose key
 * was dropped before it was re-sealed turns unresolvable, with an event.
 */
describe('inline secret master key rotation', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('re-seals under the new key, then the retired key can go', async () => {
    // One database, one control plane at a time (as after a restart with new settings): an older worker
    // still running with k1 as its current key would leave the values under k1.
    const database = await createTestDatabase();
    const db = { url: database.url, prefix: testRedisPrefix() };
    try {
      const first = await startTestApp({ ...fast, SECRETS_MASTER_KEY: k1 }, db);
      const owner = await givenTenant(first);
      const bearer = { authorization: `Bearer ${owner.admin}` };
      let base = '';
      let a = { body: { id: '' } };
      let b = { body: { id: '' } };
      try {
        const env = await givenReadyEnvironment(first, owner);
        await delivered(first, env.id);
        base = `/v1/environments/${env.id}/secret-bindings`;
        a = await first.http().post(base).set(bearer).send({ name: 'A', provider: 'inline', value: 'value-of-a' });
        b = await first.http().post(base).set(bearer).send({ name: 'B', provider: 'inline', value: 'value-of-b' });
        expect([a.body.id, b.body.id].every(Boolean)).toBe(true);
      } finally {
        await first.close();
      }

      // k2 becomes current, k1 retired: both still resolve, and the worker re-seals them under k2.
      const rotated = await startTestApp({ ...fast, SECRETS_MASTER_KEY: k2, SECRETS_MASTER_KEYS_RETIRED: k1 }, db);
      const keyOf = async (id: string) => (await rotated.asOwner(`SELECT sealed_key_id FROM configuration.secret_bindings WHERE id = $1`, [id]))[0].sealed_key_id;
      const sealedOf = async (id: string) => (await rotated.asOwner(`SELECT sealed_key_id AS "keyId", sealed_envelope AS envelope FROM configuration.secret_bindings WHERE id = $1`, [id]))[0];
      try {
        expect((await rotated.http().post(`${base}/A/check`).set(bearer)).body).toMatchObject({ status: 'resolvable' });
        expect(await rotated.app.get(SecretResealer).resealAll()).toBe(2);
        await eventually(async () => (await keyOf(a.body.id)) === 'k2' && (await keyOf(b.body.id)) === 'k2', 15_000, 50, 'both re-sealed under k2');
        expect(await rotated.app.get(SecretResealer).resealAll()).toBe(0);
        const jobs = await rotated.asOwner(`SELECT name, state FROM platform.jobs WHERE name = 'configuration.reseal-secret-binding'`);
        expect(jobs).toEqual([
          { name: 'configuration.reseal-secret-binding', state: 'completed' },
          { name: 'configuration.reseal-secret-binding', state: 'completed' },
        ]);
        // k1 dropped: the values open under k2 alone.
        const onlyK2 = new AesGcmSecretSealer(testSettings({ SECRETS_INLINE_ALLOWED: 'true', SECRETS_MASTER_KEY: k2 }));
        expect(onlyK2.unseal(await sealedOf(a.body.id), a.body.id)).toBe('value-of-a');
        expect(onlyK2.unseal(await sealedOf(b.body.id), b.body.id)).toBe('value-of-b');
      } finally {
        await rotated.close();
      }

      const dropped = await startTestApp({ ...fast, SECRETS_MASTER_KEY: k2 }, db);
      try {
        expect((await dropped.http().post(`${base}/B/check`).set(bearer)).body).toMatchObject({ status: 'resolvable' });
        // Re-sealing does not publish: consumers see the same binding.
        expect((await eventsOf(dropped, a.body.id)).map((e) => e.type)).toEqual(['rcp.configuration.secret-binding-created.v1']);
      } finally {
        await dropped.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('turns a value whose key was dropped before re-sealing unresolvable on the next scheduled check, with an event', async () => {
    const database = await createTestDatabase();
    const db = { url: database.url, prefix: testRedisPrefix() };
    try {
      const first = await startTestApp({ ...fast, SECRETS_MASTER_KEY: k1 }, db);
      const owner = await givenTenant(first);
      const bearer = { authorization: `Bearer ${owner.admin}` };
      let envId = '';
      let bindingId = '';
      try {
        const env = await givenReadyEnvironment(first, owner);
        await delivered(first, env.id);
        envId = env.id;
        bindingId = (await first.http().post(`/v1/environments/${env.id}/secret-bindings`).set(bearer).send({ name: 'A', provider: 'inline', value: 'v' })).body.id;
      } finally {
        await first.close();
      }
      const lost = await startTestApp({ ...fast, SECRETS_MASTER_KEY: k2, SECRETS_RECHECK_INTERVAL_SECONDS: '1' }, db);
      try {
        const binding = await eventually(async () => {
          const res = await lost.http().get(`/v1/environments/${envId}/secret-bindings/A`).set(bearer);
          return res.body.status === 'unresolvable' && res.body;
        }, 15_000, 100, 'the scheduled check to find the key gone');
        expect(binding).toMatchObject({ reason: 'the master key k1 it was sealed under is no longer configured' });
        const changed = await eventsOf(lost, bindingId, 'rcp.configuration.secret-binding-resolvability-changed');
        expect(changed.map((e) => e.data)).toEqual([expect.objectContaining({ status: 'unresolvable', previousStatus: 'resolvable', reason: 'the master key k1 it was sealed under is no longer configured' })]);
        const jobs = await lost.asOwner(`SELECT state, result FROM platform.jobs WHERE name = 'configuration.check-secret-bindings' AND target_id = $1`, [envId]);
        expect(jobs[0]).toMatchObject({ result: { checked: { A: 'unresolvable' } } });
      } finally {
        await lost.close();
      }
    } finally {
      await database.drop();
    }
  });
});
