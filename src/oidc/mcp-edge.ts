import cors from '@koa/cors';
import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { type Limit, limitRequests, oauthTooMany } from '../http/rate-limits.js';

const DISCOVERY = '/.well-known/openid-configuration';
const RFC8414 = '/.well-known/oauth-authorization-server';

/**
 * Every discovery form some client asks for (RFC 8414, OpenID, path-inserted or path-appended
 * variants) answers with the same document, so clients that drop or mangle the issuer's path still
 * find it.
 */
export function discoveryAliases() {
  return (ctx: Context, next: Next) => {
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
  return (ctx: Context, next: Next) => (CORS_PATHS.some((p) => p.test(ctx.path)) ? allow(ctx, next) : next());
}

/** At most `perHour` dynamic registrations per IP, shared by every instance through Redis. */
export function registrationRateLimit(redis: Redis, perHour: number) {
  const limit: Limit = {
    name: 'registration-ip',
    points: perHour,
    durationSeconds: 3600,
    refuse: oauthTooMany('too many client registrations from this address'),
  };
  return limitRequests(redis, (ctx) => (ctx.method === 'POST' && ctx.path === '/reg' ? [{ limit, key: ctx.ip }] : []));
}
