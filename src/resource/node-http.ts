import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OrgTokenError } from './errors.js';

/** The absolute URL of a Node request (`X-Forwarded-*` only when the server says it trusts them). */
export function requestUrl(req: IncomingMessage, trustProxy = false): string {
  const forwarded = (name: string) => {
    const value = trustProxy ? req.headers[name] : undefined;
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;
  };
  const encrypted = 'encrypted' in req.socket && Boolean(req.socket.encrypted);
  const protocol = forwarded('x-forwarded-proto') ?? (encrypted ? 'https' : 'http');
  const host = forwarded('x-forwarded-host') ?? req.headers.host ?? 'localhost';
  // Express rewrites `url` under a mount point; `originalUrl` is what the client asked for.
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  return `${protocol}://${host}${path.split('?')[0]}`;
}

/** Sends an RFC 6750 refusal with Node's own response API (Express, Connect and plain `http` alike). */
export function sendRefusal(res: ServerResponse, error: OrgTokenError): void {
  const body = JSON.stringify(error.body);
  res.statusCode = error.status;
  res.setHeader('WWW-Authenticate', error.wwwAuthenticate);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
