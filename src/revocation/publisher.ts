import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  NOTICE_LIFETIME_SECONDS,
  type RevocationNotice,
  recentRevocationsKey,
  revocationChannel,
} from '../resource/revocation-notice.js';

export interface RevocationPublisher {
  publish(notice: RevocationNotice): Promise<void>;
}

/**
 * Tells resource middlewares about a revocation: kept in a sorted set for late listeners, then
 * published. MongoDB already holds the truth (the revoked records are gone); when Redis is away
 * the notice is logged as lost and JWTs stay valid at middlewares until they expire.
 */
export function revocationPublisher(redis: Redis, keyPrefix: string, logger?: Logger): RevocationPublisher {
  return {
    async publish(notice) {
      const raw = JSON.stringify(notice);
      const now = Date.now();
      try {
        await redis
          .multi()
          .zadd(recentRevocationsKey, now + NOTICE_LIFETIME_SECONDS * 1000, raw)
          .zremrangebyscore(recentRevocationsKey, '-inf', now)
          .exec();
        await redis.publish(revocationChannel(keyPrefix), raw);
      } catch (error) {
        logger?.error({ err: error, notice: notice.kind }, 'revocation notice could not be published');
      }
    },
  };
}
