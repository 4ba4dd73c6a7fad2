import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Middleware } from 'koa';

/**
 * Helmet's security headers, worked out once: with these options none of them depends on the request, so
 * Helmet runs a single time against a recorder and every response gets the recorded headers. (Helmet's own
 * chain of a dozen middlewares per request cost about 5 µs of a client-credentials token's 160.)
 */
export function securityHeaders(options: HelmetOptions): Middleware {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' && csp.directives ? Object.values(csp.directives) : [];
  if (directives.flat().some((value) => typeof value === 'function')) {
    throw new Error('securityHeaders: a CSP directive computed per request needs Helmet per request');
  }
  const headers: Array<[string, string]> = [];
  const removed = new Set<string>();
  const recorder = {
    setHeader: (name: string, value: string | number) => headers.push([name, String(value)]),
    removeHeader: (name: string) => removed.add(name),
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return (ctx, next) => {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    for (const name of removed) ctx.res.removeHeader(name);
    return next();
  };
}
