import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { UnavailableError } from '../errors.js';
import { PROBLEM_BASE } from './errors.js';
import { type Counter, countLimits, type Rider } from './limit-counters.js';

/** A fixed-window limit: at most `points` requests per key per window. */
export interface Limit {
  /** Redis key prefix of this limit's counters, shared by every instance. */
  name: string;
  points: number;
  durationSeconds: number;
  /** Writes the 429 answer in the surface's own error format. */
  refuse(ctx: Context): void;
}

/** One limit as it applies to one request. */
export interface Charge {
  limit: Limit;
  /** What the request is counted under: a client, a credential's hash, an organization, an IP… */
  key: string;
  /** A penalty: the request is only checked before it runs, and counted once its answer satisfies this (a 401). */
  countIf?: (ctx: Context) => boolean;
  /** Counted before it runs, and given back once its answer satisfies this. */
  refundIf?: (ctx: Context) => boolean;
}

const counter = ({ limit, key }: Charge, cost: Counter['cost'], points = limit.points): Counter => ({
  key: `${limit.name}:${key}`,
  points,
  windowMs: limit.durationSeconds * 1000,
  cost,
});

/**
 * Every limit that applies to a request (`chargesOf`), checked and counted in one Redis round trip;
 * a refusal is 429 with Retry-After in the format of the limit that refused. Penalties and refunds,
 * which depend on the answer, cost a second round trip on the paths that need them.
 * When Redis cannot count, the request is refused with 503 rather than let through unlimited.
 * Each surface (admin API, client-authenticating endpoints, registration) has one of these, on paths
 * that do not overlap, so a request meets at most one. `ridersOf` adds the reads the request will send
 * next (src/http/limit-counters.ts) to the same round trip.
 */
export function limitRequests(
  redis: Redis,
  chargesOf: (ctx: Context) => Charge[],
  ridersOf: (ctx: Context) => Rider[] = () => [],
) {
  const limited = async (ctx: Context, next: Next, charges: Charge[]) => {
    const tally = await countLimits(
      redis,
      charges.map((c) => counter(c, c.countIf ? 0 : 1)),
      ridersOf(ctx),
    ).catch(() => {
      throw new UnavailableError('rate limits cannot be checked right now');
    });
    const refusing = charges[tally.refusedBy];
    if (refusing) {
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(tally.waitMs / 1000))));
      refusing.limit.refuse(ctx);
      ctx.status = 429;
      return;
    }
    await next();
    const settled = charges.flatMap((c) => {
      if (c.countIf?.(ctx)) return [counter(c, 1, Infinity)];
      return c.refundIf?.(ctx) ? [counter(c, -1, Infinity)] : [];
    });
    // The answer is already written; a penalty Redis could not count is not worth replacing it with a 503.
    if (settled.length) await countLimits(redis, settled).catch(() => undefined);
  };
  return (ctx: Context, next: Next) => {
    const charges = chargesOf(ctx);
    return charges.length ? limited(ctx, next, charges) : next();
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
