import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { Settings, SETTINGS_TOKEN, redisConnection } from '@rcp/config';

/** A small dedicated Redis connection for readiness checks: fails fast instead of queueing commands. */
@Injectable()
export class RedisProbe implements OnApplicationShutdown {
  private client?: Redis;
  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {}

  async ping(timeoutMs = 1000): Promise<boolean> {
    this.client ??= new Redis({ ...redisConnection(this.settings.REDIS_URL), enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: timeoutMs, retryStrategy: () => 1000 });
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.client.status === 'wait') await this.client.connect();
      const r = await Promise.race([this.client.ping(), new Promise<string>((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), timeoutMs)))]);
      return r === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer); // a pending timer per probe would keep a stopping process alive
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.client?.disconnect();
  }
}
