import { AgentKey, AgentKeyState } from '../domain/agent-key';
import { AgentEnrollmentSnapshot } from '../domain/agent-enrollment';

/** An enrollment as its issuer sees it; `token` is shown once (null on an idempotent replay). */
export interface AgentEnrollmentView {
  id: string;
  environmentId: string;
  token: string | null;
  prefix: string;
  capabilities: string[];
  expiresAt: string;
  createdBy: string;
  createdAt: string;
}

/** An agent key without its secret. */
export interface AgentKeyView {
  id: string;
  environmentId: string;
  prefix: string;
  capabilities: string[];
  state: AgentKeyState;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
  version: number;
}

/** A newly issued key; `key` is shown once (null on an idempotent replay). */
export interface IssuedAgentKeyView extends AgentKeyView {
  key: string | null;
}

/** An agent token for a key; `token` is null on an idempotent replay. */
export interface AgentTokenView {
  token: string | null;
  tokenType: 'Bearer';
  expiresAt: string;
  expiresIn: number;
  environmentId: string;
  capabilities: string[];
}

export function agentKeyView(key: AgentKey): AgentKeyView {
  const s = key.snapshot();
  return {
    id: s.id,
    environmentId: s.environmentId,
    prefix: s.prefix,
    capabilities: s.capabilities,
    state: key.keyState,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt?.toISOString() ?? null,
    revokedAt: s.revokedAt?.toISOString() ?? null,
    revokedBy: s.revokedBy,
    revokedReason: s.revokedReason,
    version: key.version,
  };
}

export function enrollmentView(s: AgentEnrollmentSnapshot, token: string, prefix: string): AgentEnrollmentView {
  return {
    id: s.id,
    environmentId: s.environmentId,
    token,
    prefix,
    capabilities: s.capabilities,
    expiresAt: s.expiresAt.toISOString(),
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
  };
}
