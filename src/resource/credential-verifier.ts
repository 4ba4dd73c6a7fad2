import { invalidToken } from './errors.js';
import { API_KEY_PREFIX, type IntrospectionCredentials, introspector } from './introspection.js';
import { type Issuer, issuerFor } from './issuer-metadata.js';
import type { OrgAuth, VerifiedCredential } from './org-auth.js';
import type { RevocationFeed } from './revocation-feed.js';
import type { TokenClaims } from './token-claims.js';
import { jwtVerifier, looksLikeJwt } from './verify-jwt.js';

export interface CredentialVerifierOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  /** Credentials of this resource at Orgauth, to introspect opaque tokens and org API keys. */
  introspection?: IntrospectionCredentials;
  /**
   * Checks org API keys in-process instead of by introspection (Orgauth's own API does); resolves
   * to undefined for a key that is not valid.
   */
  apiKeys?: (key: string) => Promise<TokenClaims | undefined>;
  /** Revocation notices (see `revocationFeed`): revoked tokens are refused within seconds. */
  revocation?: RevocationFeed;
  clockToleranceSeconds?: number;
  fetch?: typeof fetch;
}

/**
 * Verifies a bearer credential, whatever its kind, for the audiences a request accepts (asked for
 * only when the credential names one), and that it is not revoked; the organization and scope rules
 * are the caller's. `issuer` lets Orgauth itself verify with its own keys instead of over HTTP.
 */
export function credentialVerifier(options: CredentialVerifierOptions, issuer?: Issuer) {
  const source = issuer ?? issuerFor(options.issuer, options.fetch);
  const introspection = options.introspection ? introspector(source, options.introspection, options.fetch) : undefined;
  const jwt = jwtVerifier({ issuer: source, clockToleranceSeconds: options.clockToleranceSeconds ?? 5 });
  options.revocation?.onNotice((notice) => {
    if (notice.kind === 'token') introspection?.forget(notice.jtiHash);
    else introspection?.clear();
  });

  return async (token: string, audiences: () => string[]): Promise<VerifiedCredential> => {
    let claims: TokenClaims;
    let kind: OrgAuth['kind'];
    if (looksLikeJwt(token)) {
      claims = await jwt.verify(token);
      kind = 'jwt';
    } else if (token.startsWith(API_KEY_PREFIX) && (options.apiKeys || introspection) && token.length <= 512) {
      const verified = options.apiKeys ? await options.apiKeys(token) : await introspection?.introspect(token);
      if (!verified?.keyId) throw invalidToken('the API key is not valid');
      claims = { ...verified, jti: verified.keyId };
      kind = 'api_key';
    } else if (token.startsWith(API_KEY_PREFIX)) {
      // Keys are checked by introspection (or in-process); a server configured for neither says so.
      throw invalidToken('this resource server does not accept Orgauth API keys, only access tokens');
    } else if (introspection && token.length <= 512) {
      claims = await introspection.introspect(token);
      if (claims.jti === undefined) claims = { ...claims, jti: token };
      kind = 'opaque';
    } else {
      throw invalidToken('the access token could not be verified');
    }
    // JWTs always name their audience; an introspection answer is checked when it names one.
    if (kind !== 'api_key' && (kind === 'jwt' || claims.audience)) {
      const accepted = audiences();
      if (!claims.audience?.some((aud) => accepted.includes(aud))) {
        throw invalidToken("the access token's aud is not accepted here");
      }
    }
    if (options.revocation?.isRevoked(claims)) throw invalidToken('the access token has been revoked');
    if (!claims.orgId) throw invalidToken('the access token is not bound to an organization');
    return { claims, kind };
  };
}

export type CredentialVerifier = ReturnType<typeof credentialVerifier>;
