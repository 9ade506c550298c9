import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Actor } from '@rcp/observability';
import { sha256Hex } from '@rcp/ddd';
import { ProblemException } from './problem';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Paths a load balancer, Prometheus or a browser on the docs may call as often as it likes. */
const EXEMPT = /^\/(?:healthz|readyz|metrics)\/?$|^\/docs/;
/** Whether the rate limits leave `path` alone (so it never answers 429). */
export const isRateLimitExempt = (path: string): boolean => EXEMPT.test(path);
const MINUTE_MS = 60_000;

export type RateLimitName = 'ip' | 'token';

/** The Redis key (under the storage's prefix) of one limit's counter for one tracker: the tracker is hashed, never stored. */
export const rateLimitKey = (name: RateLimitName, tracker: string): string => `${name}:${sha256Hex(tracker).slice(0, 32)}`;

/** Whose budget a token's requests draw on: every token of one subject (of one tenant) shares one. */
export const tokenTracker = (actor: Actor): string => (actor.tenantId ? `tenant:${actor.tenantId}:${actor.sub}` : `platform:${actor.sub}`);

/** The two limits of the API, per minute: per client IP and per token subject. */
export function rateLimits(settings: Settings): ThrottlerOptions[] {
  return [
    { name: 'ip', ttl: MINUTE_MS, limit: settings.RATE_LIMIT_IP_PER_MINUTE },
    { name: 'token', ttl: MINUTE_MS, limit: settings.RATE_LIMIT_PER_MINUTE },
  ];
}

/**
 * A ThrottlerGuard that applies one of the named limits, with a key that spans the whole API (not one
 * route), exempts the operational endpoints, and refuses with a `429 rate_limited` problem carrying
 * `Retry-After` (seconds until the window ends). The counters live in {@link RedisThrottlerStorage}.
 * Only the per-token limit is a guard; the per-IP one is {@link IpRateLimit}, which runs before parsing.
 */
abstract class RateLimitGuard extends ThrottlerGuard {
  protected abstract readonly limitName: RateLimitName;
  protected abstract readonly per: string;

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => t.name === this.limitName);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ url: string }>();
    return isRateLimitExempt(req.url.split('?')[0]);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return rateLimitKey(name as RateLimitName, tracker);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new ProblemException(
      'rate_limited',
      `More than ${detail.limit} requests per minute ${this.per}; retry after ${retryAfter} s`,
      {},
      { 'Retry-After': String(retryAfter) },
    );
  }
}

/** What the per-IP limit decided for one request: the headers to send, and the refusal when over the limit. */
export interface IpRateLimitDecision {
  headers: Record<string, string>;
  /** Set when the client is over its limit: the `429 rate_limited` detail to answer with. */
  refusal?: string;
  /** Hits counted ahead for the per-token limit, by key: goes into the request context (`countedRateLimitHits`). */
  counted?: Map<string, unknown>;
}

/**
 * The per-client-IP limit (`RATE_LIMIT_IP_PER_MINUTE`), checked in Fastify's `onRequest` hook (see
 * `createApp`): before the body is read or parsed, before any token is verified, before any refusal is
 * audited, and for unknown routes too. A flood is refused as cheaply as the server can, and a refused
 * request leaves nothing behind. Same counters ({@link RedisThrottlerStorage}, key `ip:<hash>`) and
 * same answer (`429 rate_limited`, `Retry-After`, `X-RateLimit-*-ip`) as a throttler guard would give.
 */
@Injectable()
export class IpRateLimit {
  private readonly limit: ThrottlerOptions;

  constructor(
    @Inject(SETTINGS_TOKEN) settings: Settings,
    private readonly storage: RedisThrottlerStorage,
  ) {
    this.limit = rateLimits(settings).find((l) => l.name === 'ip')!;
  }

  /**
   * Counts one request from `ip` to `path` (exempt paths are not counted). Given the request's token
   * subject (`tokenTracker`, when the token is one this process verified before), the per-token hit is
   * counted in the same Redis round trip and returned in `counted`, for the per-token guard to judge
   * after authentication ({@link RedisThrottlerStorage.increment} answers it instead of counting again).
   */
  async check(ip: string, path: string, tokenSubject?: string): Promise<IpRateLimitDecision> {
    if (isRateLimitExempt(path)) return { headers: {} };
    const limit = this.limit.limit as number;
    const key = rateLimitKey('ip', normalizeIp(ip));
    const tokenKey = tokenSubject === undefined ? undefined : rateLimitKey('token', tokenSubject);
    const { ip: hit, token } = await this.storage.incrementPair(key, tokenKey, this.limit.ttl as number, limit);
    if (hit.isBlocked) {
      const retryAfter = Math.max(1, hit.timeToBlockExpire);
      return {
        headers: { 'Retry-After-ip': String(hit.timeToBlockExpire), 'Retry-After': String(retryAfter) },
        refusal: `More than ${limit} requests per minute from this client address; retry after ${retryAfter} s`,
      };
    }
    return {
      counted: token && tokenKey ? new Map([[tokenKey, token]]) : undefined,
      headers: {
        'X-RateLimit-Limit-ip': String(limit),
        'X-RateLimit-Remaining-ip': String(Math.max(0, limit - hit.totalHits)),
        'X-RateLimit-Reset-ip': String(hit.timeToExpire),
      },
    };
  }
}

/**
 * The per-token limit (`RATE_LIMIT_PER_MINUTE`), keyed by the token's tenant and subject, so every token
 * of one subject shares one budget. Runs after authentication (it needs the verified subject); public
 * endpoints have none and only the IP limit applies to them.
 */
@Injectable()
export class TokenRateLimitGuard extends RateLimitGuard {
  protected readonly limitName = 'token';
  protected readonly per = 'for this token subject';

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return (await super.shouldSkip(context)) || !context.switchToHttp().getRequest<{ user?: Actor }>().user;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return tokenTracker(req.user as Actor);
  }
}
