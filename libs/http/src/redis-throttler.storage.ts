import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { RequestContexts } from '@rcp/observability';
import { Settings, SETTINGS_TOKEN, redisConnection } from '@rcp/config';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key: count the hit and start the window on the first one. Returns the hits in
 * this window and the milliseconds until it ends. Atomic, so replicas sharing the key never lose a hit.
 */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

/**
 * Both limits of one request in one round trip: the per-IP window (KEYS[1]) and, unless the client is
 * already over its IP limit (ARGV[2]), the per-token window (KEYS[2]). Same fixed windows as {@link HIT}.
 * Both keys hash to one slot only on a single Redis (no cluster), which is what this runs on.
 */
const HIT_PAIR = `
local function hit(key, ttl)
  local hits = redis.call('INCR', key)
  local pttl = redis.call('PTTL', key)
  if pttl < 0 then
    redis.call('PEXPIRE', key, ttl)
    pttl = tonumber(ttl)
  end
  return {hits, pttl}
end
local ip = hit(KEYS[1], ARGV[1])
if ip[1] > tonumber(ARGV[2]) then return ip end
local token = hit(KEYS[2], ARGV[1])
return {ip[1], ip[2], token[1], token[2]}`;

/** The two scripts, defined once per connection (ioredis sends EVALSHA, and the script again only after a NOSCRIPT). */
type ScriptClient = Redis & {
  rcpHit(key: string, ttl: string): Promise<[number, number]>;
  rcpHitPair(ipKey: string, tokenKey: string, ttl: string, ipLimit: string): Promise<number[]>;
};

/** How long a rate-limit check may wait for Redis before the request goes through unchecked. */
const REDIS_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 30_000;

/**
 * @nestjs/throttler storage on Redis, so a limit holds across every api replica: the counters live under
 * `<REDIS_PREFIX>:ratelimit:`. Fixed windows (`INCR` + `PEXPIRE` in one script); a caller over the limit
 * is told to retry when the window ends.
 *
 * Rate limiting protects the service; it must never take it down. When Redis is unreachable or slow
 * (over 250 ms) the request is let through and a warning is logged (at most every 30 s).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('RateLimit');
  private readonly prefix: string;
  private client?: Redis;
  private lastWarning = 0;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    this.prefix = `${settings.REDIS_PREFIX}:ratelimit:`;
  }

  /** Connects at start-up (at most 1 s; not at all when Redis refuses), so the first requests are counted too. */
  async onModuleInit(): Promise<void> {
    const client = this.redis();
    if (client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      client.once('ready', done).once('error', done);
    });
  }

  /**
   * Counts one hit of `key`. When this request's hit of `key` was already counted (by {@link incrementPair},
   * with the per-IP limit, before the guard ran), that count is answered instead of counting twice.
   */
  async increment(key: string, ttl: number, limit: number, _blockDuration: number, _throttlerName: string): Promise<ThrottlerStorageRecord> {
    const counted = RequestContexts.current()?.countedRateLimitHits;
    const prior = counted?.get(key) as [number, number] | undefined;
    if (prior) {
      counted!.delete(key);
      return record(prior[0], prior[1], limit);
    }
    try {
      const [hits, pttl] = await (this.redis() as ScriptClient).rcpHit(this.prefix + key, String(ttl));
      return record(hits, pttl, limit);
    } catch (err) {
      this.warn(err as Error);
      return unlimited(ttl);
    }
  }

  /**
   * Counts the per-IP hit and, when `tokenKey` is given and the IP is within `ipLimit`, the per-token hit,
   * in one round trip. Returns the IP's record and the token's raw count (hits, ms left) for the guard
   * to judge, or undefined when it was not counted (over the IP limit, or Redis unavailable).
   */
  async incrementPair(ipKey: string, tokenKey: string | undefined, ttl: number, ipLimit: number): Promise<{ ip: ThrottlerStorageRecord; token?: [number, number] }> {
    if (!tokenKey) return { ip: await this.increment(ipKey, ttl, ipLimit, 0, 'ip') };
    try {
      const r = await (this.redis() as ScriptClient).rcpHitPair(this.prefix + ipKey, this.prefix + tokenKey, String(ttl), String(ipLimit));
      return { ip: record(r[0], r[1], ipLimit), token: r.length === 4 ? [r[2], r[3]] : undefined };
    } catch (err) {
      this.warn(err as Error);
      return { ip: unlimited(ttl) };
    }
  }

  /** A connection of its own that fails fast (no offline queue, short command timeout) and reconnects quietly. */
  private redis(): Redis {
    if (!this.client) {
      this.client = new Redis({
        ...redisConnection(this.settings.REDIS_URL),
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        commandTimeout: REDIS_TIMEOUT_MS,
        connectTimeout: 1000,
        lazyConnect: true,
        retryStrategy: (times) => Math.min(200 * times, 2000),
      });
      // EVALSHA of a script defined once: the script's text is not sent (nor hashed by Redis) per request.
      this.client.defineCommand('rcpHit', { numberOfKeys: 1, lua: HIT });
      this.client.defineCommand('rcpHitPair', { numberOfKeys: 2, lua: HIT_PAIR });
      this.client.on('error', () => undefined); // reported per request by warn(); ioredis reconnects by itself
      this.client.connect().catch(() => undefined);
    }
    return this.client;
  }

  private warn(err: Error): void {
    if (Date.now() - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.log.warn(`Redis is unavailable for rate limiting; requests are not limited until it is back (${err.message})`);
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }
}

function record(hits: number, pttl: number, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(pttl / 1000));
  const blocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked: blocked, timeToBlockExpire: blocked ? seconds : 0 };
}

/** Redis unavailable: the request goes through uncounted. */
function unlimited(ttl: number): ThrottlerStorageRecord {
  return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
}
