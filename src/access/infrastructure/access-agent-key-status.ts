import { Inject, Injectable } from '@nestjs/common';
import { AgentKeyStatus } from '@rcp/auth';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { TransactionManager } from '@rcp/persistence';

const MAX_CACHED = 50_000;

/**
 * Whether an agent key still holds, for the auth guard on every request with an agent token: read in
 * the key's tenant scope and remembered for `AGENT_KEY_STATUS_CACHE_SECONDS`, so a busy agent costs one
 * read per period, and a revocation reaches every replica within it (at once on the replica that
 * revoked, which forgets the key). An unknown key is revoked.
 */
@Injectable()
export class AccessAgentKeyStatus extends AgentKeyStatus {
  private readonly cache = new Map<string, { revoked: boolean; until: number }>();
  private readonly ttlMs: number;

  constructor(
    private readonly tx: TransactionManager,
    @Inject(SETTINGS_TOKEN) settings: Settings,
  ) {
    super();
    this.ttlMs = settings.AGENT_KEY_STATUS_CACHE_SECONDS * 1000;
  }

  async isRevoked(keyId: string, tenantId: string): Promise<boolean> {
    const hit = this.cache.get(keyId);
    if (hit && hit.until > Date.now()) return hit.revoked;
    const rows: Array<{ revoked: boolean }> = await this.tx.read(
      (m) => m.query(`SELECT revoked_at IS NOT NULL AS revoked FROM access.agent_keys WHERE id = $1`, [keyId]),
      { tenantId, platform: false },
    );
    const revoked = rows[0]?.revoked ?? true;
    if (this.ttlMs > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(keyId, { revoked, until: Date.now() + this.ttlMs });
    }
    return revoked;
  }

  override forget(keyId: string): void {
    this.cache.delete(keyId);
  }
}
