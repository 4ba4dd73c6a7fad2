import cors from '@koa/cors';
import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

const DISCOVERY = '/.well-known/openid-configuration';
const RFC8414 = '/.well-known/oauth-authorization-server';

/**
 * Every discovery form some client asks for (RFC 8414, OpenID, path-inserted or path-appended
 * variants) answers with the same document, so clients that drop or mangle the issuer's path still
 * find it.
 */
export function discoveryAliases() {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS') {
      if (ctx.path === RFC8414 || ctx.path.startsWith(`${RFC8414}/`) || ctx.path.startsWith(`${DISCOVERY}/`)) {
        ctx.path = DISCOVERY;
      } else if (ctx.path.endsWith(DISCOVERY) && ctx.path !== DISCOVERY) {
        ctx.path = DISCOVERY;
      }
    }
    return next();
  };
}

const CORS_PATHS = [/^\/\.well-known\//, /^\/jwks$/, /^\/reg(\/|$)/, /^\/token(\/revocation|\/introspection)?$/];

/** CORS for the endpoints browser-based clients call (no cookies there, so any origin). */
export function publicEndpointCors() {
  const allow = cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'DPoP', 'MCP-Protocol-Version'],
    maxAge: 600,
  });
  return async (ctx: Context, next: Next) => (CORS_PATHS.some((p) => p.test(ctx.path)) ? allow(ctx, next) : next());
}

/** At most `perHour` dynamic registrations per IP, shared by every instance through Redis. */
export function registrationRateLimit(redis: Redis, perHour: number) {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'registration-ip',
    points: perHour,
    duration: 3600,
  });
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/reg') return next();
    try {
      await limiter.consume(ctx.ip);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      ctx.status = 429;
      ctx.set('Retry-After', String(Math.ceil(error.msBeforeNext / 1000)));
      ctx.body = { error: 'too_many_requests', error_description: 'too many client registrations from this address' };
      return;
    }
    return next();
  };
}
