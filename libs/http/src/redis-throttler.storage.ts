import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
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

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, _throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, pttl] = (await this.redis().eval(HIT, 1, this.prefix + key, String(ttl))) as [number, number];
      const seconds = Math.max(1, Math.ceil(pttl / 1000));
      const blocked = hits > limit;
      return { totalHits: hits, timeToExpire: seconds, isBlocked: blocked, timeToBlockExpire: blocked ? seconds : 0 };
    } catch (err) {
      this.warn(err as Error);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
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
