import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';

/** The `kid` header of every token the control plane signs for an agent key. */
export const AGENT_TOKEN_KID = 'rcp-agent-1';

/** What an agent token says: the agent key it was issued for, its environment and capabilities. */
export interface AgentTokenSpec {
  keyId: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  capabilities: string[];
}

/**
 * The control plane's own key for agent tokens (`POST /v1/agent-tokens`): `AGENT_TOKEN_SECRET`, or one
 * derived from `JWT_SECRET` with HKDF (so a local setup needs nothing more, and the two keys are never
 * the same bytes). Agent tokens are HS256 with the header `kid` {@link AGENT_TOKEN_KID}, checked with
 * the same `iss`, `aud` and `exp` rules as every token, so they work whether people's tokens are local
 * HS256 or RS256 from a JWKS. With a JWKS and neither secret set there is no key, and agent tokens
 * cannot be issued (the endpoints say so) rather than being signed with something guessable.
 */
@Injectable()
export class AgentTokenKeys {
  readonly key?: KeyObject;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    if (settings.AGENT_TOKEN_SECRET) this.key = createSecretKey(Buffer.from(settings.AGENT_TOKEN_SECRET, 'utf8'));
    else if (settings.JWT_SECRET) {
      this.key = createSecretKey(Buffer.from(hkdfSync('sha256', Buffer.from(settings.JWT_SECRET, 'utf8'), Buffer.alloc(0), 'rcp agent tokens v1', 32)));
    }
  }

  /** Why agent tokens cannot be issued, or undefined when they can. */
  unavailable(): string | undefined {
    return this.key ? undefined : 'the control plane has no key to sign agent tokens with (set AGENT_TOKEN_SECRET)';
  }

  /** A signed agent token and its expiry. */
  sign(spec: AgentTokenSpec, now = new Date()): { token: string; expiresAt: Date } {
    if (!this.key) throw new Error(this.unavailable());
    const ttl = this.settings.AGENT_TOKEN_TTL_SECONDS;
    const iat = Math.floor(now.getTime() / 1000);
    const token = jwt.sign(
      {
        roles: ['agent'],
        tenant_id: spec.tenantId,
        project_ids: [spec.projectId],
        environment_id: spec.environmentId,
        capabilities: spec.capabilities,
        key_id: spec.keyId,
        iat,
        exp: iat + ttl,
      },
      this.key,
      { algorithm: 'HS256', keyid: AGENT_TOKEN_KID, subject: `agent-key:${spec.keyId}`, issuer: this.settings.JWT_ISSUER, audience: this.settings.JWT_AUDIENCE },
    );
    return { token, expiresAt: new Date((iat + ttl) * 1000) };
  }
}
