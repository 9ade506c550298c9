import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import { Settings } from '@rcp/config';
import { Actor } from '@rcp/observability';
import { sha256Hex } from './canonical-json';
import { ProblemException } from './problem';

/** Paths a load balancer, Prometheus or a browser on the docs may call as often as it likes. */
const EXEMPT = /^\/(?:healthz|readyz|metrics)\/?$|^\/docs/;
const MINUTE_MS = 60_000;

export type RateLimitName = 'ip' | 'token';

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
    return EXEMPT.test(req.url.split('?')[0]);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${sha256Hex(tracker).slice(0, 32)}`;
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

/**
 * The per-client-IP limit (`RATE_LIMIT_IP_PER_MINUTE`). Registered as the first global guard, so it
 * runs before authentication: floods of bad tokens are refused before any token is verified or any
 * refusal is audited.
 */
@Injectable()
export class IpRateLimitGuard extends RateLimitGuard {
  protected readonly limitName = 'ip';
  protected readonly per = 'from this client address';
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
    const actor = req.user as Actor;
    return actor.tenantId ? `tenant:${actor.tenantId}:${actor.sub}` : `platform:${actor.sub}`;
  }
}
