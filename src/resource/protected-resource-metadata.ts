import type { Context, Next } from 'koa';
import {
  isProtectedResourcePath,
  type ProtectedResourceDocumentOptions,
  protectedResourceDocument,
} from './protected-resource-document.js';

export interface ProtectedResourceMetadataOptions extends ProtectedResourceDocumentOptions {
  /** The resource identifier (what clients send as `resource`, the tokens' `aud`). */
  resource: string | ((ctx: Context) => string);
}

/**
 * Serves RFC 9728 metadata at `/.well-known/oauth-protected-resource` and at its path-suffixed
 * forms (`/.well-known/oauth-protected-resource/orgs/x/mcp` describes `/orgs/x/mcp`).
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions) {
  return (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.method !== 'OPTIONS') return next();
    if (!isProtectedResourcePath(ctx.path)) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET');
      ctx.status = 204;
      return;
    }
    ctx.set('Cache-Control', 'public, max-age=300');
    const resource = typeof options.resource === 'function' ? options.resource(ctx) : options.resource;
    ctx.body = protectedResourceDocument(options, resource);
  };
}
