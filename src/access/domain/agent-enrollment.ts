import { DomainError } from '@rcp/ddd';

export interface AgentEnrollmentSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  /** Finds the enrollment from its token; the token itself is stored only as `secretHash`. */
  lookup: string;
  secretHash: string;
  capabilities: string[];
  expiresAt: Date;
  createdBy: string;
  createdAt: Date;
  redeemedAt: Date | null;
  /** The agent key its redemption issued. */
  agentKeyId: string | null;
}

/** Every refusal of a presented credential reads the same to its presenter, whatever the cause. */
export const refusedCredential = (why: string) => new DomainError('unauthenticated', `Invalid or missing bearer token: ${why}`);

/**
 * A one-time enrollment for one environment: issued by a tenant admin, redeemed once, before it
 * expires, for an agent key with the enrollment's capabilities.
 */
export class AgentEnrollment {
  private constructor(private state: AgentEnrollmentSnapshot) {}

  static issue(input: Omit<AgentEnrollmentSnapshot, 'redeemedAt' | 'agentKeyId' | 'expiresAt' | 'createdAt'>, now: Date, ttlSeconds: number): AgentEnrollment {
    if (input.capabilities.length === 0) throw new DomainError('validation_failed', 'An enrollment needs at least one capability', { errors: [{ field: 'capabilities', message: 'must not be empty' }] });
    return new AgentEnrollment({ ...input, capabilities: [...new Set(input.capabilities)].sort(), createdAt: now, expiresAt: new Date(now.getTime() + ttlSeconds * 1000), redeemedAt: null, agentKeyId: null });
  }

  static rehydrate(s: AgentEnrollmentSnapshot): AgentEnrollment {
    return new AgentEnrollment({ ...s });
  }

  get id(): string {
    return this.state.id;
  }

  /** Redeems the enrollment for the key `agentKeyId`; refused once used or expired. */
  redeem(agentKeyId: string, now: Date): void {
    if (this.state.redeemedAt) throw refusedCredential('this enrollment token was already used');
    if (now.getTime() >= this.state.expiresAt.getTime()) throw refusedCredential('this enrollment token has expired');
    this.state = { ...this.state, redeemedAt: now, agentKeyId };
  }

  snapshot(): AgentEnrollmentSnapshot {
    return { ...this.state, capabilities: [...this.state.capabilities] };
  }
}
