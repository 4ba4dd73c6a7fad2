import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OrgTokenError } from './errors.js';
import {
  type ExpressOrgTokenOptions,
  expressCoreOptions,
  type NodeRequest,
  orgRequestOf,
} from './express-middleware.js';
import { type OrgAuth, toOrgAuth, type VerifiedCredential } from './org-auth.js';
import { createOrgVerifier } from './verify-org-request.js';

/** The MCP SDK's `OAuthTokenVerifier`, structurally (it is all `requireBearerAuth` calls). */
export interface OrgTokenVerifier {
  verifyAccessToken(token: string): Promise<AuthInfo>;
}

/** The MCP SDK's own errors, which `requireBearerAuth` turns into 401/403 with its challenge. */
function sdkError(error: OrgTokenError): Error {
  if (error.status === 403) return new InsufficientScopeError(error.description);
  if (error.status === 400) return new InvalidRequestError(error.description);
  return new InvalidTokenError(error.description);
}

function authInfo(token: string, credential: VerifiedCredential, accepted: string[]): AuthInfo {
  const { claims } = credential;
  const resource = claims.audience?.find((aud) => accepted.includes(aud) && URL.canParse(aud));
  return {
    token,
    clientId: claims.clientId ?? '',
    scopes: claims.scopes,
    // The SDK wants a number; an org API key created without an expiry has none.
    expiresAt: claims.exp ?? Number.POSITIVE_INFINITY,
    ...(resource ? { resource: new URL(resource) } : {}),
    extra: { ...toOrgAuth(credential) },
  };
}

/**
 * Token verification for the MCP SDK's `requireBearerAuth`. Its verifier sees the token only, so
 * this builds one per request, bound to the request's organization and URL:
 *
 *   app.all('/orgs/:orgId/mcp', (req, res, next) => requireBearerAuth(orgauth.forRequest(req))(req, res, next), …)
 *
 * The rules are `orgauth/koa`'s (scopes included: leave the SDK's `requiredScopes` out, so that an org
 * API key without scopes is treated as there); `AuthInfo.extra` is the `OrgAuth`.
 */
export function orgTokenVerifier<Req extends NodeRequest = NodeRequest>(options: ExpressOrgTokenOptions<Req>) {
  const core = createOrgVerifier(expressCoreOptions(options));
  return {
    /** `requireBearerAuth`'s options for this request: its verifier and its RFC 9728 metadata URL. */
    forRequest(req: Req): { verifier: OrgTokenVerifier; resourceMetadataUrl: string } {
      const request = orgRequestOf(req, options.org, options.trustProxy);
      return {
        verifier: {
          async verifyAccessToken(token) {
            try {
              return authInfo(token, await core.verifyOrgCredential(token, request), core.audiences(request));
            } catch (error) {
              throw sdkError(error as OrgTokenError);
            }
          },
        },
        resourceMetadataUrl: core.resourceMetadataUrl(request),
      };
    },
  };
}

/** The caller of an `AuthInfo` this verifier produced (`req.auth`, or a tool handler's `extra.authInfo`). */
export function orgAuthOf(info: AuthInfo | undefined): OrgAuth {
  const auth = info?.extra as Partial<OrgAuth> | undefined;
  if (!auth?.orgId || !auth.kind) throw new Error('orgAuthOf: this AuthInfo does not come from orgauth/mcp');
  return auth as OrgAuth;
}
