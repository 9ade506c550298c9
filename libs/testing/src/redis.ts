import Redis from 'ioredis';
import { TEST_REDIS_URL } from './test-env';

/**
 * Deletes every Redis key matching a pattern (a test's own prefix, or a whole run's), never anything
 * else; returns how many. Used to simulate a Redis that restarted empty, and by the global teardown.
 */
export async function deleteRedisKeys(pattern: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
