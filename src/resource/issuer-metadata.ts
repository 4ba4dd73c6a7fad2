import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

export interface IssuerMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
  /** Orgauth's introspection of org API keys (same request and answer shape as RFC 7662). */
  api_key_introspection_endpoint?: string;
}

export interface Issuer {
  metadata(): Promise<IssuerMetadata>;
  /** jose's remote key set: cached, refetched on an unknown `kid` (at most every 30 s). */
  keys(): Promise<JWTVerifyGetKey>;
}

/**
 * The authorization server as a resource server sees it: its discovery document (fetched once,
 * again after a failure) and its signing keys.
 */
export function issuerFor(issuer: string, fetchImpl: typeof fetch = fetch): Issuer {
  let metadata: Promise<IssuerMetadata> | undefined;
  let keys: JWTVerifyGetKey | undefined;
  const load = async () => {
    const response = await fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`discovery of ${issuer} answered ${response.status}`);
    const document = (await response.json()) as IssuerMetadata;
    if (document.issuer !== issuer) throw new Error(`discovery of ${issuer} names another issuer: ${document.issuer}`);
    return document;
  };
  const get = () => {
    metadata ??= load().catch((error: unknown) => {
      metadata = undefined;
      throw error;
    });
    return metadata;
  };
  return {
    metadata: get,
    async keys() {
      if (!keys) {
        const { jwks_uri } = await get();
        keys = createRemoteJWKSet(new URL(jwks_uri), {
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
          timeoutDuration: 5000,
        });
      }
      return keys;
    },
  };
}
