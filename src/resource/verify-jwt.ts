import { errors, jwtVerify } from 'jose';
import { ClaimsCache } from './claims-cache.js';
import { invalidToken } from './errors.js';
import { tokenHash } from './introspection.js';
import type { Issuer } from './issuer-metadata.js';
import { claimsFrom, type TokenClaims } from './token-claims.js';

/** Asymmetric algorithms only: `none` and HS* (e.g. HS256 "signed" with a public key) never verify. */
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** A verified token is reused without checking its signature again for at most this long. */
const MAX_REUSE_MS = 5 * 60_000;

interface VerifyOptions {
  issuer: Issuer;
  clockToleranceSeconds: number;
}

/**
 * Verifies RFC 9068 access tokens and remembers the ones that passed, by hash, until they expire
 * (at most five minutes): a token seen again costs a hash and a lookup, not a signature check.
 */
export function jwtVerifier(options: VerifyOptions) {
  const verified = new ClaimsCache();
  return {
    async verify(token: string): Promise<TokenClaims> {
      const key = tokenHash(token);
      const now = Date.now();
      const cached = verified.get(key, now);
      if (cached) return cached;
      const claims = await verifyJwtAccessToken(token, options);
      const notBefore = (claims.nbf ?? 0) * 1000;
      const expiry = ((claims.exp ?? 0) + options.clockToleranceSeconds) * 1000;
      if (notBefore <= now) verified.set(key, claims, Math.min(expiry, now + MAX_REUSE_MS));
      return claims;
    },
  };
}

/**
 * Verifies an RFC 9068 access token: signature, `typ: at+jwt`, issuer, expiry, and that it has an
 * audience. Which audience is accepted may depend on the request (one URL per organization), so the
 * caller checks it, on every use of a remembered token too.
 */
async function verifyJwtAccessToken(
  token: string,
  { issuer, clockToleranceSeconds }: VerifyOptions,
): Promise<TokenClaims> {
  const metadata = await issuer.metadata();
  try {
    const { payload } = await jwtVerify(token, await issuer.keys(), {
      issuer: metadata.issuer,
      typ: 'at+jwt',
      algorithms: ALGORITHMS,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'client_id', 'aud'],
    });
    return claimsFrom(payload as Record<string, unknown>);
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw invalidToken('the access token has expired');
    if (error instanceof errors.JWTClaimValidationFailed)
      throw invalidToken(`the access token's ${error.claim} is not accepted here`);
    if (error instanceof errors.JOSEError) throw invalidToken('the access token could not be verified');
    throw error;
  }
}
