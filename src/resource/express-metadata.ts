import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isProtectedResourcePath,
  PROTECTED_RESOURCE_PATH,
  type ProtectedResourceDocumentOptions,
  protectedResourceDocument,
} from './protected-resource-document.js';

export interface ExpressProtectedResourceOptions<Req extends IncomingMessage = IncomingMessage>
  extends ProtectedResourceDocumentOptions {
  /**
   * The resource identifier, or a function of the request and the described resource's path (what
   * follows the well-known prefix: `/orgs/x/mcp`, or `` for the bare document).
   */
  resource: string | ((req: Req, resourcePath: string) => string);
}

/**
 * Express/Connect middleware serving RFC 9728 metadata at `/.well-known/oauth-protected-resource`
 * and its path-suffixed forms, as `orgauth/koa`'s `protectedResourceMetadata` does.
 */
export function protectedResourceMetadata<Req extends IncomingMessage = IncomingMessage>(
  options: ExpressProtectedResourceOptions<Req>,
) {
  return (req: Req, res: ServerResponse, next: (error?: unknown) => void): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (!['GET', 'HEAD', 'OPTIONS'].includes(method) || !isProtectedResourcePath(path)) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET');
      res.statusCode = 204;
      res.end();
      return;
    }
    const resource =
      typeof options.resource === 'function'
        ? options.resource(req, path.slice(PROTECTED_RESOURCE_PATH.length))
        : options.resource;
    const body = JSON.stringify(protectedResourceDocument(options, resource));
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(method === 'HEAD' ? undefined : body);
  };
}
