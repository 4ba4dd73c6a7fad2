import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import type { Rider } from '../http/limit-counters.js';
import { type Limit, limitRequests, oauthTooMany } from '../http/rate-limits.js';
import { hashClientSecret } from './client-secret.js';

/** oidc-provider endpoints that authenticate clients. */
const CLIENT_AUTH_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/request', '/device/auth']);
const BODY_LIMIT = 56 * 1024;

/**
 * Client secrets are stored only as hashes, while oidc-provider compares the presented secret with
 * the stored value. So before a request reaches it, the presented secret (Basic header or
 * `client_secret` form field) is replaced by its hash; the comparison then happens hash to hash.
 * Algorithms that use the secret as a key (client_secret_jwt, HS*) are disabled for this reason.
 */
export function hashPresentedClientSecrets() {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || !CLIENT_AUTH_PATHS.has(ctx.path)) return next();
    const authorization = ctx.get('authorization');
    if (/^basic /i.test(authorization)) ctx.req.headers.authorization = hashBasicSecret(authorization);
    if (ctx.is('application/x-www-form-urlencoded')) {
      const raw = await readBody(ctx);
      if (raw === undefined) return next();
      const params = new URLSearchParams(raw);
      ctx.state.bodyClientId = params.get('client_id') ?? undefined;
      ctx.state.presentedForm = params;
      const secret = params.get('client_secret');
      if (secret) params.set('client_secret', hashClientSecret(secret));
      // oidc-provider reads an already-read body from request.body.
      ctx.request.body = secret ? params.toString() : raw;
    }
    return next();
  };
}

function hashBasicSecret(header: string): string {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return header;
  const id = decoded.slice(0, colon);
  let secret: string;
  try {
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
  } catch {
    return header;
  }
  const hashed = encodeURIComponent(hashClientSecret(secret));
  return `Basic ${Buffer.from(`${id}:${hashed}`).toString('base64')}`;
}

/** Reads the form body (bounded); undefined when too large, leaving the stream to oidc-provider's error. */
async function readBody(ctx: Context): Promise<string | undefined> {
  const declared = ctx.get('content-length');
  if (Number(declared || 0) > BODY_LIMIT) return undefined;
  try {
    return await getRawBody(ctx.req, {
      length: declared ? Number(declared) : undefined,
      limit: BODY_LIMIT,
      encoding: 'utf8',
    });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 413) ctx.throw(413, 'request body too large');
    if (status === 400) ctx.throw(400, 'request body did not match its declared length');
    throw error;
  }
}

/**
 * The form a request to a client-authenticating endpoint sent, parsed once (secrets already replaced by
 * their hashes, as oidc-provider reads it); undefined for any other request.
 */
export function presentedForm(ctx: Context): URLSearchParams | undefined {
  const form = ctx.state.presentedForm;
  return form instanceof URLSearchParams ? form : undefined;
}

/** The client a request to a client-authenticating endpoint names: Basic header first, then the form. */
export function presentedClientId(ctx: Context): string | undefined {
  const authorization = ctx.get('authorization');
  if (/^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
  }
  const fromBody = ctx.state.bodyClientId;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}

/**
 * At most `perMinute` requests per client (or per IP when none is named) at the client-authenticating
 * endpoints; `ridersOf` add the Redis reads a request sends next to the same round trip.
 */
export function tokenEndpointRateLimit(
  redis: Redis,
  perMinute: number,
  ridersOf: Array<(ctx: Context) => Rider[]> = [],
) {
  const limit: Limit = {
    name: 'client-auth',
    points: perMinute,
    durationSeconds: 60,
    refuse: oauthTooMany('too many requests for this client; retry later'),
  };
  return limitRequests(
    redis,
    (ctx) => {
      if (ctx.method !== 'POST' || !CLIENT_AUTH_PATHS.has(ctx.path)) return [];
      const clientId = presentedClientId(ctx);
      return [{ limit, key: clientId ? `client:${clientId.slice(0, 200)}` : `ip:${ctx.ip}` }];
    },
    (ctx) => ridersOf.flatMap((riders) => riders(ctx)),
  );
}
