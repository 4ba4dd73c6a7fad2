import type { Context, Next } from 'koa';
import { BearerError, bearerChallenge, insufficientScope, invalidToken, missingToken } from './errors.js';
import { API_KEY_PREFIX, type IntrospectionCredentials, introspector, tokenHash } from './introspection.js';
import { type Issuer, issuerFor } from './issuer-metadata.js';
import type { RevocationFeed } from './revocation-feed.js';
import type { TokenClaims } from './token-claims.js';
import { jwtVerifier, looksLikeJwt } from './verify-jwt.js';

export interface OrgAuth {
  sub: string;
  orgId: string;
  orgRole: string | undefined;
  clientId: string | undefined;
  scopes: string[];
  kind: 'jwt' | 'opaque' | 'api_key';
  keyId?: string;
}

export interface RequireOrgTokenOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  /**
   * This resource's identifier(s): the `aud` tokens must carry (the `resource` clients request). A
   * function for a resource with one URL per organization (e.g. `https://mcp.example.com/orgs/x/mcp`):
   * a token for another organization's URL is then refused like one of another audience.
   */
  audience: string | string[] | ((ctx: Context) => string | string[]);
  /** The organization this request acts in (e.g. from the path); a token of any other is refused. */
  org: (ctx: Context) => string | undefined;
  /** Scopes every request needs. */
  scopes?: string[];
  /** Credentials of this resource at Orgauth, to introspect opaque tokens and org API keys. */
  introspection?: IntrospectionCredentials;
  /**
   * Checks org API keys in-process instead of by introspection (Orgauth's own API does); resolves
   * to undefined for a key that is not valid.
   */
  apiKeys?: (key: string) => Promise<TokenClaims | undefined>;
  /** Revocation notices (see `revocationFeed`): revoked tokens are refused within seconds. */
  revocation?: RevocationFeed;
  /** URL of this resource's RFC 9728 metadata, for `WWW-Authenticate`; default: derived from the request. */
  resourceMetadataUrl?: string | ((ctx: Context) => string);
  clockToleranceSeconds?: number;
  fetch?: typeof fetch;
}

const MAX_TOKEN_LENGTH = 8192;

function defaultMetadataUrl(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}/.well-known/oauth-protected-resource${ctx.path === '/' ? '' : ctx.path}`;
}

function bearerToken(ctx: Context): string {
  const header = ctx.get('authorization');
  if (!header) throw missingToken();
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header.length > MAX_TOKEN_LENGTH + 16 ? '' : header);
  if (!match?.[1]) throw invalidToken('the Authorization header does not carry a well-formed bearer token');
  return match[1];
}

export interface VerifiedCredential {
  claims: TokenClaims;
  kind: OrgAuth['kind'];
}

/**
 * Verifies the bearer credential of a request, whatever its kind, and that it is not revoked; the
 * organization and scope rules are `requireOrgToken`'s. `issuer` lets Orgauth itself verify with
 * its own keys instead of fetching them over HTTP.
 */
export function orgCredentialVerifier(options: Omit<RequireOrgTokenOptions, 'org' | 'scopes'>, issuer?: Issuer) {
  const source = issuer ?? issuerFor(options.issuer, options.fetch);
  const introspection = options.introspection ? introspector(source, options.introspection, options.fetch) : undefined;
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 5;
  const jwt = jwtVerifier({ issuer: source, clockToleranceSeconds });
  const audiences = (ctx: Context) => {
    const audience = typeof options.audience === 'function' ? options.audience(ctx) : options.audience;
    return typeof audience === 'string' ? [audience] : audience;
  };
  options.revocation?.onNotice((notice) => {
    if (notice.kind === 'token') introspection?.forget(notice.jtiHash);
    else introspection?.clear();
  });

  return async (ctx: Context): Promise<VerifiedCredential> => {
    const token = bearerToken(ctx);
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
      const accepted = audiences(ctx);
      if (!claims.audience?.some((aud) => accepted.includes(aud))) {
        throw invalidToken("the access token's aud is not accepted here");
      }
    }
    if (options.revocation?.isRevoked(claims)) throw invalidToken('the access token has been revoked');
    if (!claims.orgId) throw invalidToken('the access token is not bound to an organization');
    return { claims, kind };
  };
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

/**
 * Koa middleware of a resource server: accepts Orgauth access tokens (JWT, or opaque through
 * introspection) and org API keys of the request's organization only, with the required scopes,
 * and not revoked. Sets `ctx.state.auth`; refuses with RFC 6750 errors and an RFC 9728
 * `resource_metadata` hint.
 */
export function requireOrgToken(options: RequireOrgTokenOptions) {
  const verify = orgCredentialVerifier(options);
  const metadataUrl = (ctx: Context) =>
    typeof options.resourceMetadataUrl === 'function'
      ? options.resourceMetadataUrl(ctx)
      : (options.resourceMetadataUrl ?? defaultMetadataUrl(ctx));

  const authenticate = async (ctx: Context): Promise<OrgAuth> => {
    const credential = await verify(ctx);
    checkOrgAndScopes(credential, options.org(ctx), options.scopes);
    return toOrgAuth(credential);
  };

  return async function requireOrgTokenMiddleware(ctx: Context, next: Next) {
    let auth: OrgAuth;
    try {
      auth = await authenticate(ctx);
    } catch (error) {
      const failure =
        error instanceof BearerError ? error : invalidToken('the access token could not be verified right now');
      ctx.status = failure.status;
      ctx.set('WWW-Authenticate', bearerChallenge(failure, metadataUrl(ctx)));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = failure.code
        ? { error: failure.code, error_description: failure.description }
        : { error: 'unauthorized' };
      return;
    }
    ctx.state.auth = auth;
    await next();
  };
}

export { tokenHash };
