import { refusedCredential } from './agent-enrollment';

export interface AgentKeySnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  /** `rcpak_<lookup>`: what lists show. */
  prefix: string;
  lookup: string;
  secretHash: string;
  capabilities: string[];
  enrollmentId: string;
  /** Who issued the enrollment the key came from. */
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

export type AgentKeyState = 'active' | 'revoked';

/**
 * An environment's agent key: exchanged for short-lived agent tokens until it is revoked (by a tenant
 * admin, or because its environment was decommissioned). Revoking is final.
 */
export class AgentKey {
  private constructor(
    private state: AgentKeySnapshot,
    readonly version: number,
  ) {}

  static issue(input: Omit<AgentKeySnapshot, 'lastUsedAt' | 'revokedAt' | 'revokedBy' | 'revokedReason'>): AgentKey {
    return new AgentKey({ ...input, lastUsedAt: null, revokedAt: null, revokedBy: null, revokedReason: null }, 0);
  }

  static rehydrate(s: AgentKeySnapshot, version: number): AgentKey {
    return new AgentKey({ ...s }, version);
  }

  get id(): string {
    return this.state.id;
  }

  get keyState(): AgentKeyState {
    return this.state.revokedAt ? 'revoked' : 'active';
  }

  /** One token exchange: refused once revoked; remembers when the key was last used. */
  use(now: Date): void {
    if (this.state.revokedAt) throw refusedCredential('this agent key is revoked');
    this.state = { ...this.state, lastUsedAt: now };
  }

  /** Revokes the key; false when it already was (nothing changes). */
  revoke(by: string, reason: string, now: Date): boolean {
    if (this.state.revokedAt) return false;
    this.state = { ...this.state, revokedAt: now, revokedBy: by, revokedReason: reason };
    return true;
  }

  snapshot(): AgentKeySnapshot {
    return { ...this.state, capabilities: [...this.state.capabilities] };
  }
}
