import type { Context, Next } from 'koa';

/** oidc-provider's endpoints as configured here, with the methods each answers. */
const ENDPOINTS: Array<[path: RegExp, methods: string[]]> = [
  [/^\/auth$/, ['GET', 'POST']],
  [/^\/auth\/[^/]+$/, ['GET']],
  [/^\/token$/, ['POST']],
  [/^\/token\/(introspection|revocation)$/, ['POST']],
  [/^\/me$/, ['GET', 'POST']],
  [/^\/jwks$/, ['GET']],
  [/^\/reg$/, ['POST']],
  [/^\/reg\/[^/]+$/, ['GET']],
  [/^\/request$/, ['POST']],
  [/^\/session\/end$/, ['GET', 'POST']],
  [/^\/session\/end\/confirm$/, ['POST']],
  [/^\/session\/end\/success$/, ['GET']],
  [/^\/\.well-known\/(openid-configuration|oauth-authorization-server)(\/.*)?$/, ['GET']],
];

/** Paths that belong to the OAuth endpoints: what is not found there is answered in OAuth's JSON. */
const OAUTH_PATHS = /^\/(auth|token|me|jwks|reg|request|session|\.well-known)(\/|$)/;

/**
 * oidc-provider answers a method it has no route for, or an unknown path, with Koa's plain-text 404.
 * OAuth clients parse JSON errors: a known endpoint asked with another method gets 405 with `Allow`,
 * an unknown path under the OAuth endpoints a JSON 404, both as OAuth errors (RFC 6749 §5.2 shape).
 */
export function oauthMethodErrors() {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null || !OAUTH_PATHS.test(ctx.path)) return;
    const allowed = ENDPOINTS.find(([path]) => path.test(ctx.path))?.[1];
    if (allowed && !allowed.includes(ctx.method) && !(ctx.method === 'HEAD' && allowed.includes('GET'))) {
      ctx.status = 405;
      ctx.set('Allow', allowed.join(', '));
      ctx.body = {
        error: 'invalid_request',
        error_description: `${ctx.method} is not supported at ${ctx.path}; use ${allowed.join(' or ')}`,
      };
      return;
    }
    ctx.status = 404;
    ctx.body = { error: 'invalid_request', error_description: `there is no OAuth endpoint at ${ctx.path}` };
  };
}
