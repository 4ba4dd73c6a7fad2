/** What a verified access token says, whatever its format. */
export interface TokenClaims {
  sub: string;
  orgId: string | undefined;
  orgRole: string | undefined;
  clientId: string | undefined;
  scopes: string[];
  /** Issued-at, seconds. */
  iat: number | undefined;
  /** Expiry, seconds. */
  exp: number | undefined;
  /** Not before, seconds. */
  nbf?: number | undefined;
  jti: string | undefined;
  /** Set for Orgauth org API keys: the key's id. */
  keyId?: string | undefined;
  /** `aud`: the resource(s) the token was issued for (none for API keys). */
  audience?: string[] | undefined;
}

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown) => (typeof value === 'number' ? value : undefined);

export function claimsFrom(payload: Record<string, unknown>): TokenClaims {
  return {
    sub: asString(payload.sub) ?? asString(payload.client_id) ?? '',
    orgId: asString(payload.org_id),
    orgRole: asString(payload.org_role),
    clientId: asString(payload.client_id),
    scopes: (asString(payload.scope) ?? '').split(' ').filter(Boolean),
    iat: asNumber(payload.iat),
    exp: asNumber(payload.exp),
    nbf: asNumber(payload.nbf),
    jti: asString(payload.jti),
    keyId: asString(payload.key_id),
    audience:
      typeof payload.aud === 'string'
        ? [payload.aud]
        : Array.isArray(payload.aud)
          ? payload.aud.filter((a) => typeof a === 'string')
          : undefined,
  };
}
