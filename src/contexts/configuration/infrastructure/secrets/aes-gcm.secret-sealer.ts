import { Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretSealer } from '../../application/ports/secret-sealer.port';
import { SealedSecret } from '../../domain/secret-binding.aggregate';

interface Envelope {
  v: 1;
  /** The data key, wrapped by the master key: nonce, tag, ciphertext. */
  kIv: string;
  kTag: string;
  kCt: string;
  /** The value, under the data key: nonce, tag, ciphertext. */
  iv: string;
  tag: string;
  ct: string;
}

/** `keyId:base64` (validated at start-up by the settings) → a map of key id to key. */
export function parseMasterKeys(current: string, retired: string): { currentId: string | null; keys: Map<string, Buffer> } {
  const keys = new Map<string, Buffer>();
  const add = (spec: string) => {
    const i = spec.indexOf(':');
    keys.set(spec.slice(0, i), Buffer.from(spec.slice(i + 1), 'base64'));
  };
  for (const spec of retired.split(',').map((s) => s.trim()).filter(Boolean)) add(spec);
  let currentId: string | null = null;
  if (current) {
    add(current);
    currentId = current.slice(0, current.indexOf(':'));
  }
  return { currentId, keys };
}

function encrypt(key: Buffer, plain: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

function decrypt(key: Buffer, iv: string, tag: string, ct: string, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
}

const b64 = (b: Buffer) => b.toString('base64');

/**
 * AES-256-GCM envelope encryption: every value gets its own random data key; the data key is wrapped by
 * the master key (`SECRETS_MASTER_KEY`), whose id is stored with the value. Both layers authenticate
 * the binding's context and the key id, so an envelope moved to another binding or relabelled with
 * another key id fails to open. Rotation: a new current key seals new values; retired keys
 * (`SECRETS_MASTER_KEYS_RETIRED`) still open the old ones until they are re-sealed.
 */
@Injectable()
export class AesGcmSecretSealer extends SecretSealer {
  private readonly currentId: string | null;
  private readonly keys: Map<string, Buffer>;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
    ({ currentId: this.currentId, keys: this.keys } = parseMasterKeys(settings.SECRETS_MASTER_KEY, settings.SECRETS_MASTER_KEYS_RETIRED));
  }

  enabled(): boolean {
    return this.settings.SECRETS_INLINE_ALLOWED === 'true' && this.currentId !== null;
  }

  currentKeyId(): string {
    if (!this.currentId) throw new Error('No SECRETS_MASTER_KEY is configured');
    return this.currentId;
  }

  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(value: string, context: string): SealedSecret {
    const keyId = this.currentKeyId();
    const aad = Buffer.from(`rcp/inline-secret/v1|${keyId}|${context}`, 'utf8');
    const dataKey = randomBytes(32);
    try {
      const wrapped = encrypt(this.keys.get(keyId)!, dataKey, aad);
      const sealed = encrypt(dataKey, Buffer.from(value, 'utf8'), aad);
      const envelope: Envelope = { v: 1, kIv: b64(wrapped.iv), kTag: b64(wrapped.tag), kCt: b64(wrapped.ct), iv: b64(sealed.iv), tag: b64(sealed.tag), ct: b64(sealed.ct) };
      return { keyId, envelope: Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64') };
    } finally {
      dataKey.fill(0);
    }
  }

  unseal(sealed: SealedSecret, context: string): string {
    const master = this.keys.get(sealed.keyId);
    if (!master) throw new Error(`The master key ${sealed.keyId} is not configured`);
    const e = JSON.parse(Buffer.from(sealed.envelope, 'base64').toString('utf8')) as Envelope;
    if (e.v !== 1) throw new Error('Unknown envelope version');
    const aad = Buffer.from(`rcp/inline-secret/v1|${sealed.keyId}|${context}`, 'utf8');
    const dataKey = decrypt(master, e.kIv, e.kTag, e.kCt, aad);
    try {
      return decrypt(dataKey, e.iv, e.tag, e.ct, aad).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }
}
