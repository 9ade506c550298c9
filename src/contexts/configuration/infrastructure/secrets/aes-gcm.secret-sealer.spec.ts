import { randomBytes } from 'node:crypto';
import { testSettings } from '@rcp/testing';
import { AesGcmSecretSealer } from './aes-gcm.secret-sealer';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const sealer = (current: string, retired = '', inline = 'true') =>
  new AesGcmSecretSealer(testSettings({ SECRETS_INLINE_ALLOWED: inline, SECRETS_MASTER_KEY: current, SECRETS_MASTER_KEYS_RETIRED: retired }));

describe('AES-256-GCM envelope sealing of inline secrets', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('seals under the current key and opens again, with a fresh nonce and data key every time', () => {
    const s = sealer(k1);
    const a = s.seal('s3cr3t-value', 'binding-1');
    const b = s.seal('s3cr3t-value', 'binding-1');
    expect(a.keyId).toBe('k1');
    expect(a.envelope).not.toBe(b.envelope);
    expect(Buffer.from(a.envelope, 'base64').toString('utf8')).not.toContain('s3cr3t-value');
    expect(s.unseal(a, 'binding-1')).toBe('s3cr3t-value');
  });

  it('refuses to open an envelope moved to another binding, relabelled with another key id, or tampered with', () => {
    const s = sealer(k1, k2);
    const sealed = s.seal('v', 'binding-1');
    expect(() => s.unseal(sealed, 'binding-2')).toThrow();
    expect(() => s.unseal({ ...sealed, keyId: 'k2' }, 'binding-1')).toThrow();
    const e = JSON.parse(Buffer.from(sealed.envelope, 'base64').toString('utf8'));
    e.ct = Buffer.from('x' + Buffer.from(e.ct, 'base64').toString('latin1').slice(1), 'latin1').toString('base64');
    expect(() => s.unseal({ ...sealed, envelope: Buffer.from(JSON.stringify(e)).toString('base64') }, 'binding-1')).toThrow();
  });

  it('opens values of a retired key after rotation, and not once that key is dropped', () => {
    const before = sealer(k1).seal('v', 'b');
    const rotated = sealer(k2, k1);
    expect(rotated.currentKeyId()).toBe('k2');
    expect(rotated.knows('k1')).toBe(true);
    expect(rotated.unseal(before, 'b')).toBe('v');
    const resealed = rotated.seal(rotated.unseal(before, 'b'), 'b');
    expect(resealed.keyId).toBe('k2');
    const dropped = sealer(k2);
    expect(dropped.knows('k1')).toBe(false);
    expect(() => dropped.unseal(before, 'b')).toThrow('The master key k1 is not configured');
    expect(dropped.unseal(resealed, 'b')).toBe('v');
  });

  it('is enabled only with SECRETS_INLINE_ALLOWED=true and a master key', () => {
    expect(sealer(k1).enabled()).toBe(true);
    expect(sealer(k1, '', 'false').enabled()).toBe(false);
    expect(new AesGcmSecretSealer(testSettings()).enabled()).toBe(false);
    expect(() => testSettings({ SECRETS_INLINE_ALLOWED: 'true' })).toThrow('SECRETS_MASTER_KEY: required with SECRETS_INLINE_ALLOWED=true');
    expect(() => testSettings({ SECRETS_MASTER_KEY: 'k1:c2hvcnQ=' })).toThrow(/SECRETS_MASTER_KEY \(value not shown\): the key must be 32 bytes/);
  });
});
