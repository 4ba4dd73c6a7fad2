import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { UnavailableError } from '../errors.js';
import { PROBLEM_BASE } from './errors.js';

interface RequestLimit {
  /** Redis key prefix of this limit's counters, shared by every instance. */
  name: string;
  points: number;
  durationSeconds: number;
  /** The key a request is counted under, or undefined when the limit does not apply to it. */
  keyOf(ctx: Context): string | undefined;
  /** Writes the 429 answer in the surface's own error format. */
  refuse(ctx: Context): void;
}

/**
 * A fixed-window limit per key in Redis (rate-limiter-flexible), answering 429 with Retry-After.
 * When Redis cannot count, the request is refused with 503 rather than let through unlimited.
 */
export function limitRequests(redis: Redis, limit: RequestLimit) {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: limit.name,
    points: limit.points,
    duration: limit.durationSeconds,
  });
  return async (ctx: Context, next: Next) => {
    const key = limit.keyOf(ctx);
    if (key === undefined) return next();
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw new UnavailableError('rate limits cannot be checked right now');
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
      limit.refuse(ctx);
      ctx.status = 429;
      return;
    }
    return next();
  };
}

/** A credential is counted by a hash, never stored. */
export const credentialKey = (credential: string) =>
  createHash('sha256').update(credential).digest('base64url').slice(0, 32);

/** The OAuth endpoints' error format. */
export const oauthTooMany = (description: string) => (ctx: Context) => {
  ctx.body = { error: 'too_many_requests', error_description: description };
};

/** The admin API's error format (RFC 9457). */
export const problemTooMany = (detail: string) => (ctx: Context) => {
  ctx.type = 'application/problem+json';
  ctx.body = { type: `${PROBLEM_BASE}too_many_requests`, title: 'Too many requests', status: 429, detail };
};
