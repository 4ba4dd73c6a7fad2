import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors.js';
import { openRedis } from '../resource/redis-connection.js';
import { withTimeout } from './mongo.js';

/**
 * A Redis client that fails fast while Redis is away (no offline queue) and reconnects by itself,
 * so requests answer 503 at once during an outage and recover without a restart.
 */
export async function connectRedis(url: string, keyPrefix: string): Promise<Redis> {
  const redis = openRedis(url, {
    keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', () => {
    // Reported through readiness checks and failing commands; the client keeps reconnecting.
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new UnavailableError(
      `Redis is not reachable at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`,
    );
  }
  return redis;
}

export async function pingRedis(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  return withTimeout(redis.ping(), timeoutMs)
    .then((reply) => reply === 'PONG')
    .catch(() => false);
}
