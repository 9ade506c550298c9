import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { DomainError } from '@rcp/ddd';
import { WebhookSecretSealer } from '../application/ports/secret-sealer.port';

/**
 * AES-256-GCM with a key derived (HKDF-SHA256, info `rcp webhook secrets v1`) from SECRETS_MASTER_KEY
 * when set, else from JWT_SECRET; the subscription id is the associated data, so a sealed secret copied
 * to another subscription does not open. Sealed form: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
@Injectable()
export class AesGcmWebhookSecretSealer extends WebhookSecretSealer {
  private readonly key: Buffer | null;

  constructor(@Inject(SETTINGS_TOKEN) settings: Settings) {
    super();
    const master = settings.SECRETS_MASTER_KEY ? Buffer.from(settings.SECRETS_MASTER_KEY.split(':')[1] ?? '', 'base64') : settings.JWT_SECRET ? Buffer.from(settings.JWT_SECRET, 'utf8') : null;
    this.key = master && master.length > 0 ? Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'rcp webhook secrets v1', 32)) : null;
  }

  seal(secret: string, subscriptionId: string): string {
    const key = this.requireKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(subscriptionId));
    const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, subscriptionId: string): string {
    const [v, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || !ct || !tag) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(subscriptionId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  private requireKey(): Buffer {
    if (!this.key) throw new DomainError('precondition_failed', 'The control plane has no key to seal webhook secrets with (set SECRETS_MASTER_KEY)', { reasons: ['no key to seal webhook secrets (SECRETS_MASTER_KEY)'] });
    return this.key;
  }
}
