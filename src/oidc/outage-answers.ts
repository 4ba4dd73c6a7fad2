import type { Context, Next } from 'koa';
import { isStoreOutage } from '../stores/outage.js';

const failedForOutage = new WeakSet<object>();

/** Called from oidc-provider's `server_error` event: remembers that this request failed for a store outage. */
export function noteServerError(ctx: object, error: unknown): boolean {
  if (!isStoreOutage(error)) return false;
  failedForOutage.add(ctx);
  return true;
}

/**
 * oidc-provider answers any unexpected error with 500 `server_error`. When the cause was a store
 * outage, the JSON endpoints (token, introspection, revocation, registration, userinfo) answer 503
 * `temporarily_unavailable` with Retry-After instead, so clients know to retry. Pages already get a
 * 503 page from renderError.
 */
export function oauthOutageAnswers() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      // Our own steps in front of oidc-provider (rate limits) fail this way without Redis.
      if (!isStoreOutage(error)) throw error;
      failedForOutage.add(ctx);
      ctx.status = 500;
    }
    if (!failedForOutage.has(ctx)) return;
    ctx.set('Retry-After', '5');
    if (ctx.status !== 500 || ctx.response.is('html')) return;
    ctx.status = 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      error: 'temporarily_unavailable',
      error_description: 'the authorization server cannot reach one of its stores; try again shortly',
    };
  };
}
