import { createHash } from 'node:crypto';
import { ClaimsCache } from './claims-cache.js';
import { invalidToken } from './errors.js';
import type { Issuer } from './issuer-metadata.js';
import { claimsFrom, type TokenClaims } from './token-claims.js';

export interface IntrospectionCredentials {
  clientId: string;
  clientSecret: string;
  /** Upper bound of how long an answer is reused (seconds); never past the token's own expiry. */
  maxCacheSeconds?: number;
}

/** Orgauth org API keys start with this; everything else opaque is an access token. */
export const API_KEY_PREFIX = 'oa_live_';

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

const NEGATIVE_CACHE_MS = 5_000;

/**
 * RFC 7662 introspection of opaque tokens (and of org API keys, at Orgauth's key endpoint) with the resource server's own credentials, answers
 * cached by token hash for at most the token's remaining life (and `maxCacheSeconds`).
 */
export function introspector(issuer: Issuer, credentials: IntrospectionCredentials, fetchImpl: typeof fetch = fetch) {
  const cache = new ClaimsCache();
  const authorization = `Basic ${Buffer.from(
    `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
  ).toString('base64')}`;
  const maxCacheMs = (credentials.maxCacheSeconds ?? 60) * 1000;

  return {
    async introspect(token: string): Promise<TokenClaims> {
      const key = tokenHash(token);
      const now = Date.now();
      const cached = cache.get(key, now);
      if (cached === null) throw invalidToken('the access token is not active');
      if (cached) return cached;
      const metadata = await issuer.metadata();
      const isKey = token.startsWith(API_KEY_PREFIX);
      const endpoint = isKey ? metadata.api_key_introspection_endpoint : metadata.introspection_endpoint;
      if (!endpoint)
        throw new Error(`the issuer does not advertise an ${isKey ? 'API key ' : ''}introspection endpoint`);
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: isKey ? 'api_key' : 'access_token' }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`introspection answered ${response.status}`);
      const body = (await response.json()) as Record<string, unknown>;
      if (body.active !== true) {
        cache.set(key, null, now + NEGATIVE_CACHE_MS);
        throw invalidToken('the access token is not active');
      }
      const claims = claimsFrom(body);
      // An API key without an expiry is reused for `maxCacheSeconds`; revocation notices drop it sooner.
      const expiry = claims.exp === undefined ? Number.POSITIVE_INFINITY : claims.exp * 1000;
      cache.set(key, claims, Math.min(now + maxCacheMs, expiry));
      return claims;
    },
    forget(hash: string) {
      cache.delete(hash);
    },
    clear() {
      cache.clear();
    },
  };
}

export type Introspector = ReturnType<typeof introspector>;
