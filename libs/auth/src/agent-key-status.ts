/**
 * Port through which the auth guard learns whether the agent key a token was issued for still holds.
 * The access module provides the real implementation (a short cache in front of its table); without it
 * no token names a key the guard could check, since only the access module issues them.
 */
export abstract class AgentKeyStatus {
  /** Whether the key is revoked (an unknown key counts as revoked). */
  abstract isRevoked(keyId: string, tenantId: string): Promise<boolean>;
  /** Drops what this process remembers of a key (called after it was revoked here). */
  forget(_keyId: string): void {
    /* nothing cached by default */
  }
}

/** No access module: a token that names an agent key is refused, since nothing can vouch for it. */
export class NoAgentKeys extends AgentKeyStatus {
  async isRevoked(): Promise<boolean> {
    return true;
  }
}
