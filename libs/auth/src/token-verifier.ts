import { Inject, Injectable, Logger } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import jwt, { Algorithm } from 'jsonwebtoken';
import { jwtSecretProblem, Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Actor } from '@rcp/observability';
import { AGENT_TOKEN_KID, AgentTokenKeys } from './agent-token-keys';
import { JwksKeys } from './jwks-keys';
import { actorFromClaims, RcpJwtClaims } from './claims';

/** A verified token whose claims cannot act (the guard answers 401 with the message). */
export class InvalidClaimsError extends Error {}

/** What this process remembers of a token it verified: its actor, until when, and the key that verified it. */
interface Verified {
  actor: Actor;
  /** `exp`, in seconds since the epoch: the token is refused from that second on. */
  exp: number;
  kid: unknown;
  /** The key that verified it; a hit still needs the same key to be current (a rotated-out JWKS key is not). */
  key: KeyObject | undefined;
}

/** `Bearer <token>` → the token, or undefined (the same shape passport-jwt's extractor accepts). */
export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const m = /^Bearer +([A-Za-z0-9_.-]+)$/i.exec(authorization.trim());
  return m?.[1];
}

/**
 * Everything that decides whether a bearer token is accepted: the key (HS256 secret, or the RS256 key
 * of the JWKS by `kid`), the algorithm, `iss`, `aud`, `exp`, the lifetime cap `JWT_MAX_TTL_SECONDS`
 * and the claim rules of {@link actorFromClaims}. There is no default secret: an HS256 verifier without
 * a strong `JWT_SECRET` refuses to start (`resolveJwtSecret` gives `npm start` one). The HS256 secret is
 * a KeyObject: given a string, jsonwebtoken re-parses it into a key on every request, which was the
 * largest CPU cost of an authenticated call.
 *
 * Tokens the control plane issued for an agent key (header `kid` {@link AGENT_TOKEN_KID}) are HS256
 * under {@link AgentTokenKeys} in either mode, and may only be agent tokens naming their key.
 */
@Injectable()
export class TokenVerifier {
  private readonly log = new Logger('TokenVerifier');
  private readonly algorithms: Algorithm[];
  private readonly secret?: KeyObject;
  /** The JWKS key source, when tokens are RS256 (exposed for tests). */
  readonly jwks?: JwksKeys;
  /**
   * Tokens verified here, least recently used first (a Map keeps insertion order; a hit moves to the
   * end). Bounded by `AUTH_TOKEN_CACHE_SIZE`; an entry lives until its token's `exp` at most.
   */
  private readonly verified = new Map<string, Verified>();
  private readonly cacheSize: number;

  constructor(
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
    private readonly agentKeys: AgentTokenKeys,
  ) {
    this.cacheSize = settings.AUTH_TOKEN_CACHE_SIZE ?? 0;
    if (settings.JWT_JWKS_URI) {
      this.algorithms = ['RS256'];
      this.jwks = new JwksKeys({
        uri: settings.JWT_JWKS_URI,
        cooldownMs: settings.JWT_JWKS_COOLDOWN_SECONDS * 1000,
        onFetchError: (err) => this.log.warn(`JWKS fetch failed: ${err.message}`),
      });
    } else {
      if (!settings.JWT_SECRET) throw new Error('JWT_SECRET is empty: set it or JWT_JWKS_URI (npm start fills it from JWT_SECRET_FILE)');
      const problem = jwtSecretProblem(settings.JWT_SECRET);
      if (problem) throw new Error(`JWT_SECRET ${problem}`);
      this.algorithms = ['HS256'];
      this.secret = createSecretKey(Buffer.from(settings.JWT_SECRET, 'utf8'));
    }
  }

  /** The algorithms a token may use: the people's (HS256 or RS256), and HS256 for agent tokens. */
  private accepted(): Algorithm[] {
    return this.agentKeys.key && !this.algorithms.includes('HS256') ? [...this.algorithms, 'HS256'] : this.algorithms;
  }

  /** The passport-jwt options that verify exactly as {@link verify} does. */
  passportOptions() {
    return {
      issuer: this.settings.JWT_ISSUER,
      audience: this.settings.JWT_AUDIENCE,
      algorithms: this.accepted(),
      secretOrKeyProvider: (_req: unknown, rawJwtToken: string, done: (err: unknown, key?: string) => void) => {
        this.keyFor(rawJwtToken).then(
          (key) => done(null, key as unknown as string),
          (err: Error) => done(err),
        );
      },
    };
  }

  /** The key that verifies this token (for RS256, the JWKS key its header's `kid` names). */
  async keyFor(rawJwtToken: string): Promise<KeyObject> {
    const decoded = jwt.decode(rawJwtToken, { complete: true });
    if (!decoded || typeof decoded.header !== 'object') throw new Error('jwt malformed');
    if (decoded.header.kid === AGENT_TOKEN_KID) return this.agentKeyFor(decoded.header.alg, decoded.payload);
    if (this.secret) return this.secret;
    if (decoded.header.alg !== 'RS256') throw new Error('invalid algorithm');
    return this.jwks!.keyFor(decoded.header.kid);
  }

  /**
   * The agent token key, for a token that says it was issued for an agent key. Its (not yet verified)
   * claims must be an agent's with a key id: were the agent key ever to leak, it could not sign a
   * person's or a platform token, since that token is refused before its signature is even checked.
   */
  private agentKeyFor(alg: string, payload: unknown): KeyObject {
    if (!this.agentKeys.key) throw new Error('agent tokens are not accepted here (no AGENT_TOKEN_SECRET)');
    if (alg !== 'HS256') throw new Error('invalid algorithm');
    const claims = (typeof payload === 'object' && payload ? payload : {}) as RcpJwtClaims;
    const roles = claims.roles;
    if (!Array.isArray(roles) || roles.length !== 1 || roles[0] !== 'agent' || typeof claims.key_id !== 'string') {
      throw new Error('a token under the agent key must be an agent token with a key_id');
    }
    return this.agentKeys.key;
  }

  /** The actor of verified claims, or InvalidClaimsError (claim rules, lifetime cap). */
  actorOf(claims: RcpJwtClaims, nowSeconds = Math.floor(Date.now() / 1000)): Actor {
    const actor = actorFromClaims(claims);
    if (typeof actor === 'string') throw new InvalidClaimsError(actor);
    const exp = claims.exp as number;
    const issuedAt = typeof claims.iat === 'number' ? Math.min(claims.iat, nowSeconds) : nowSeconds;
    if (exp - issuedAt > this.settings.JWT_MAX_TTL_SECONDS) {
      throw new InvalidClaimsError(`token lifetime is longer than ${this.settings.JWT_MAX_TTL_SECONDS} seconds (JWT_MAX_TTL_SECONDS)`);
    }
    return actor;
  }

  /** Verifies a bearer token and returns its actor; throws on any refusal. A token verified before is not verified again (see {@link recall}). */
  async verify(rawJwtToken: string): Promise<Actor> {
    const recalled = await this.recall(rawJwtToken);
    if (recalled) return recalled;
    const key = await this.keyFor(rawJwtToken);
    const claims = jwt.verify(rawJwtToken, key, {
      algorithms: this.accepted(),
      issuer: this.settings.JWT_ISSUER,
      audience: this.settings.JWT_AUDIENCE,
    }) as RcpJwtClaims;
    const actor = this.actorOf(claims);
    this.remember(rawJwtToken, actor, claims);
    return actor;
  }

  /**
   * The actor of a token this process verified before, if it still holds: not expired (checked to the
   * second, as jsonwebtoken does), and still verified by the key that verified it (a JWKS key that was
   * rotated out, or a changed agent token key, sends the token through full verification again). Signature,
   * issuer, audience, algorithm and the claim rules cannot change for the same token text, so they are
   * not checked twice. Undefined for anything else; never throws.
   */
  async recall(rawJwtToken: string): Promise<Actor | undefined> {
    const hit = this.verified.get(rawJwtToken);
    if (!hit) return undefined;
    if (hit.exp <= Math.floor(Date.now() / 1000) || !(await this.keyStillCurrent(hit))) {
      this.verified.delete(rawJwtToken);
      return undefined;
    }
    this.verified.delete(rawJwtToken);
    this.verified.set(rawJwtToken, hit);
    return hit.actor;
  }

  /**
   * The actor of a remembered, unexpired token, without the key check (synchronous, for choosing the
   * rate-limit bucket before the guard runs; the guard still authenticates the request).
   */
  peek(rawJwtToken: string): Actor | undefined {
    const hit = this.verified.get(rawJwtToken);
    return hit && hit.exp > Math.floor(Date.now() / 1000) ? hit.actor : undefined;
  }

  /**
   * Remembers a token that was just verified (by {@link verify}, or by passport-jwt with the same
   * options: the guard calls this with passport's actor, the token's claims read from it again).
   */
  remember(rawJwtToken: string, actor: Actor, claims?: RcpJwtClaims): void {
    if (this.cacheSize === 0) return;
    const decoded = jwt.decode(rawJwtToken, { complete: true });
    const exp = (claims ?? (decoded?.payload as RcpJwtClaims | undefined))?.exp;
    if (typeof exp !== 'number') return;
    const kid = decoded && typeof decoded.header === 'object' ? decoded.header.kid : undefined;
    const key = kid === AGENT_TOKEN_KID ? this.agentKeys.key : (this.secret ?? this.jwks?.current(kid));
    if (!key) return;
    this.verified.delete(rawJwtToken);
    this.verified.set(rawJwtToken, { actor, exp, kid, key });
    while (this.verified.size > this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
  }

  /** Forgets every remembered token (keys changed in a way the per-entry check cannot see). */
  forgetAll(): void {
    this.verified.clear();
  }

  private async keyStillCurrent(hit: Verified): Promise<boolean> {
    if (hit.kid === AGENT_TOKEN_KID) return hit.key === this.agentKeys.key;
    if (this.secret) return hit.key === this.secret;
    try {
      // Also starts the JWKS refresh when the key set is old, as a full verification would.
      return (await this.jwks!.keyFor(hit.kid)) === hit.key;
    } catch {
      return false;
    }
  }

  /**
   * Who an `Authorization` header names, if its token is valid; undefined otherwise (never throws).
   * For attributing a request that failed before the guard ran (e.g. a body that is not JSON).
   */
  async identify(authorization: unknown): Promise<Actor | undefined> {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    try {
      return await this.verify(token);
    } catch {
      return undefined;
    }
  }
}
