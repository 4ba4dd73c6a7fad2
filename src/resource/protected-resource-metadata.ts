import type { Context, Next } from 'koa';

export interface ProtectedResourceMetadataOptions {
  /** The resource identifier (what clients send as `resource`, the tokens' `aud`). */
  resource: string | ((ctx: Context) => string);
  /** Orgauth's issuer URL. */
  issuer: string;
  scopes?: string[];
  resourceName?: string;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Serves RFC 9728 metadata at `/.well-known/oauth-protected-resource` and at its path-suffixed
 * forms (`/.well-known/oauth-protected-resource/orgs/x/mcp` describes `/orgs/x/mcp`).
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.method !== 'OPTIONS') return next();
    if (ctx.path !== WELL_KNOWN && !ctx.path.startsWith(`${WELL_KNOWN}/`)) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET');
      ctx.status = 204;
      return;
    }
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = {
      resource: typeof options.resource === 'function' ? options.resource(ctx) : options.resource,
      authorization_servers: [options.issuer],
      bearer_methods_supported: ['header'],
      ...(options.scopes ? { scopes_supported: options.scopes } : {}),
      ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    };
  };
}
