import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';
import { IpRateLimit, rateLimits, TokenRateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Holds the Redis rate-limit storage so ThrottlerModule's factory can receive it. */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
export class RateLimitStorageModule {}

/**
 * The API conventions that apply to every call, implemented once: rate limits per client IP and per
 * token (counters on Redis) and `Idempotency-Key` on mutations.
 *
 * Wiring and order (see `createApp`): {@link IpRateLimit} is checked in Fastify's `onRequest` hook,
 * before the body is read and before authentication; {@link TokenRateLimitGuard} is registered with
 * `useGlobalGuards` (global guards added there run after every `APP_GUARD`, i.e. after authentication)
 * and {@link IdempotencyInterceptor} as the first global interceptor.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [SETTINGS_TOKEN, RedisThrottlerStorage],
      useFactory: (settings: Settings, storage: RedisThrottlerStorage) => ({ storage, throttlers: rateLimits(settings) }),
    }),
  ],
  providers: [IpRateLimit, TokenRateLimitGuard, IdempotencyStore, IdempotencyInterceptor],
  exports: [IpRateLimit, TokenRateLimitGuard, IdempotencyStore, IdempotencyInterceptor],
})
export class HttpConventionsModule {}
