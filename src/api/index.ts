import type { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import type { Context, Next } from 'koa';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { UnavailableError } from '../errors.js';
import { credentialKey, limitRequests, problemTooMany } from '../http/rate-limits.js';
import type { RevocationFeed } from '../resource/revocation-feed.js';
import { apiAuthenticator } from './caller.js';
import type { ApiDeps } from './deps.js';
import { apiRouter } from './router.js';
import { accessRoutes } from './routes/access.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { clientRoutes } from './routes/clients.js';
import { creditRoutes } from './routes/credits.js';
import { memberRoutes } from './routes/members.js';
import { organizationRoutes } from './routes/organizations.js';
import { teamRoutes } from './routes/teams.js';

export const API_ROUTES = [
  ...organizationRoutes,
  ...memberRoutes,
  ...teamRoutes,
  ...apiKeyRoutes,
  ...clientRoutes,
  ...accessRoutes,
  ...creditRoutes,
];

/** The admin API under /api/v1. */
export function adminApi(deps: ApiDeps, publicJwks: JSONWebKeySet, revocation?: RevocationFeed) {
  return apiRouter(deps, API_ROUTES, apiAuthenticator(deps, publicJwks, revocation));
}

export { API_SCOPE, apiResource } from './caller.js';
export { apiNotFound } from './router.js';

/** At most `perMinute` admin API requests per credential (counted by its hash), or per IP without one. */
export function apiRateLimit(redis: Redis, perMinute: number) {
  return limitRequests(redis, {
    name: 'admin-api',
    points: perMinute,
    durationSeconds: 60,
    keyOf: (ctx) => {
      if (!ctx.path.startsWith('/api/v1/') || ctx.path === '/api/v1/openapi.json') return undefined;
      const credential = /^Bearer +(\S+)/i.exec(ctx.get('authorization'))?.[1];
      return credential ? `credential:${credentialKey(credential)}` : `ip:${ctx.ip}`;
    },
    refuse: problemTooMany('too many requests with this credential; retry after the time in Retry-After'),
  });
}

const FAILURE_WINDOW_SECONDS = 15 * 60;

/**
 * Guessing credentials: after `maxFailures` answers of 401 to one IP within 15 minutes, every admin
 * API request from it is refused with 429 until the window ends, whichever credential it presents.
 */
export function apiFailedAuthenticationLimit(redis: Redis, maxFailures: number) {
  const failures = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'admin-api-auth-failures',
    points: maxFailures,
    duration: FAILURE_WINDOW_SECONDS,
  });
  const refuse = problemTooMany(
    'too many failed authentications from this address; retry after the time in Retry-After',
  );
  return async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith('/api/v1/')) return next();
    const key = `ip:${ctx.ip}`;
    const seen = await failures.get(key).catch(() => {
      throw new UnavailableError('rate limits cannot be checked right now');
    });
    if (seen && seen.consumedPoints >= maxFailures) {
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(seen.msBeforeNext / 1000))));
      refuse(ctx);
      ctx.status = 429;
      return;
    }
    await next();
    if (ctx.status === 401) await failures.penalty(key, 1).catch(() => undefined);
  };
}
