import type { Context, Next } from 'koa';
import { bearerToken } from './bearer-token.js';
import { type CredentialVerifierOptions, credentialVerifier } from './credential-verifier.js';
import { OrgTokenError } from './errors.js';
import { tokenHash } from './introspection.js';
import type { Issuer } from './issuer-metadata.js';
import type { VerifiedCredential } from './org-auth.js';
import { PROTECTED_RESOURCE_PATH } from './protected-resource-document.js';
import { createOrgVerifier, type OrgRequest, type OrgVerifierOptions } from './verify-org-request.js';

export { checkOrgAndScopes, type OrgAuth, toOrgAuth, type VerifiedCredential } from './org-auth.js';

export interface RequireOrgTokenOptions extends CredentialVerifierOptions {
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
  /** URL of this resource's RFC 9728 metadata, for `WWW-Authenticate`; default: derived from the request. */
  resourceMetadataUrl?: string | ((ctx: Context) => string);
}

interface KoaOrgRequest extends OrgRequest {
  ctx: Context;
}

function defaultMetadataUrl(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}${PROTECTED_RESOURCE_PATH}${ctx.path === '/' ? '' : ctx.path}`;
}

/** The Koa options in the core's terms: each per-request option reads the request's `ctx`. */
function coreOptions(options: RequireOrgTokenOptions): OrgVerifierOptions<KoaOrgRequest> {
  const { audience, resourceMetadataUrl } = options;
  return {
    ...options,
    audience: typeof audience === 'function' ? ({ ctx }) => audience(ctx) : audience,
    resourceMetadataUrl: ({ ctx }) =>
      typeof resourceMetadataUrl === 'function'
        ? resourceMetadataUrl(ctx)
        : (resourceMetadataUrl ?? defaultMetadataUrl(ctx)),
  };
}

/**
 * Verifies the bearer credential of a Koa request, whatever its kind, and that it is not revoked;
 * the organization and scope rules are the caller's. Orgauth's admin API uses it with `issuer`, its
 * own keys, instead of fetching them over HTTP.
 */
export function orgCredentialVerifier(options: Omit<RequireOrgTokenOptions, 'org' | 'scopes'>, issuer?: Issuer) {
  const verify = credentialVerifier(options, issuer);
  const audiences = (ctx: Context) => {
    const audience = typeof options.audience === 'function' ? options.audience(ctx) : options.audience;
    return typeof audience === 'string' ? [audience] : audience;
  };
  return (ctx: Context): Promise<VerifiedCredential> =>
    verify(bearerToken(ctx.get('authorization')), () => audiences(ctx));
}

/**
 * Koa middleware of a resource server: accepts Orgauth access tokens (JWT, or opaque through
 * introspection) and org API keys of the request's organization only, with the required scopes,
 * and not revoked. Sets `ctx.state.auth`; refuses with RFC 6750 errors and an RFC 9728
 * `resource_metadata` hint.
 */
export function requireOrgToken(options: RequireOrgTokenOptions) {
  const { verifyOrgRequest } = createOrgVerifier(coreOptions(options));

  return async function requireOrgTokenMiddleware(ctx: Context, next: Next) {
    try {
      ctx.state.auth = await verifyOrgRequest({
        authorization: ctx.get('authorization'),
        // Not read here: this adapter names the metadata URL itself (`defaultMetadataUrl`).
        get url() {
          return ctx.href;
        },
        get orgId() {
          return options.org(ctx);
        },
        ctx,
      });
    } catch (error) {
      if (!(error instanceof OrgTokenError)) throw error;
      ctx.status = error.status;
      ctx.set('WWW-Authenticate', error.wwwAuthenticate);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = error.body;
      return;
    }
    await next();
  };
}

export { tokenHash };
