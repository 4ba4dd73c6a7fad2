import { type BearerError, insufficientScope, invalidToken } from './errors.js';
import type { TokenClaims } from './token-claims.js';

/** Who calls, in which organization, with what: the answer of every adapter. */
export interface OrgAuth {
  sub: string;
  orgId: string;
  orgRole: string | undefined;
  clientId: string | undefined;
  scopes: string[];
  kind: 'jwt' | 'opaque' | 'api_key';
  keyId?: string;
}

/** A credential whose signature (or introspection answer), audience and revocation state were checked. */
export interface VerifiedCredential {
  claims: TokenClaims;
  kind: OrgAuth['kind'];
}

/**
 * The organization and scope rules. A credential of another organization is `invalid_token` (401):
 * for this URL the client must authorize again, in this organization, which is what MCP clients do
 * on a 401; 403 `insufficient_scope` asks for more scopes (step-up) and is kept for missing scopes.
 * Orgauth's own admin API passes `otherOrganization` to answer 403 there.
 */
export function checkOrgAndScopes(
  { claims, kind }: VerifiedCredential,
  orgId: string | undefined,
  scopes: string[] = [],
  otherOrganization: (description: string) => BearerError = invalidToken,
) {
  if (!orgId || claims.orgId !== orgId) throw otherOrganization('the access token belongs to another organization');
  // An API key created without scopes may do whatever its member may.
  const unrestricted = kind === 'api_key' && claims.scopes.length === 0;
  const missing = unrestricted ? [] : scopes.filter((scope) => !claims.scopes.includes(scope));
  if (missing.length) throw insufficientScope(`the access token lacks ${missing.join(', ')}`, scopes.join(' '));
}

export function toOrgAuth({ claims, kind }: VerifiedCredential): OrgAuth {
  return {
    sub: claims.sub,
    orgId: claims.orgId ?? '',
    orgRole: claims.orgRole,
    clientId: claims.clientId,
    scopes: claims.scopes,
    kind,
    ...(claims.keyId ? { keyId: claims.keyId } : {}),
  };
}
