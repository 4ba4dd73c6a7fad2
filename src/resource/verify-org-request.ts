import { bearerToken } from './bearer-token.js';
import { type CredentialVerifierOptions, credentialVerifier } from './credential-verifier.js';
import { BearerError, invalidToken, OrgTokenError } from './errors.js';
import type { Issuer } from './issuer-metadata.js';
import { checkOrgAndScopes, type OrgAuth, toOrgAuth, type VerifiedCredential } from './org-auth.js';
import { metadataUrlOf } from './protected-resource-document.js';

/** What the core needs of an HTTP request, whatever the framework. */
export interface OrgRequest {
  /** The `Authorization` header, as received. */
  authorization: string | undefined;
  /** The request's absolute URL (`https://api.example.com/orgs/x/things`): names its RFC 9728 metadata. */
  url: string;
  /** The organization this request acts in (e.g. from the path); a credential of any other is refused. */
  orgId: string | undefined;
}

export interface OrgVerifierOptions<R extends OrgRequest = OrgRequest> extends CredentialVerifierOptions {
  /**
   * This resource's identifier(s): the `aud` tokens must carry (the `resource` clients request). A
   * function for a resource with one URL per organization (e.g. `https://mcp.example.com/orgs/x/mcp`):
   * a token for another organization's URL is then refused like one of another audience.
   */
  audience: string | string[] | ((request: R) => string | string[]);
  /** Scopes every request needs. */
  scopes?: string[];
  /** URL of this resource's RFC 9728 metadata, for `WWW-Authenticate`; default: derived from `url`. */
  resourceMetadataUrl?: string | ((request: R) => string);
}

/**
 * The framework-free verifier every adapter (Koa, Express, the MCP SDK) is built on: JWT and opaque
 * access tokens and org API keys, of the request's organization only, with the required scopes, not
 * revoked. Refusals are `OrgTokenError`s carrying the RFC 6750 answer.
 */
export function createOrgVerifier<R extends OrgRequest = OrgRequest>(options: OrgVerifierOptions<R>, issuer?: Issuer) {
  const verifyCredential = credentialVerifier(options, issuer);
  const audiences = (request: R) => {
    const audience = typeof options.audience === 'function' ? options.audience(request) : options.audience;
    return typeof audience === 'string' ? [audience] : audience;
  };
  const metadataUrl = (request: R) =>
    typeof options.resourceMetadataUrl === 'function'
      ? options.resourceMetadataUrl(request)
      : (options.resourceMetadataUrl ?? metadataUrlOf(request.url));
  /** Any failure becomes a refusal; one that is not the credential's fault reads as such. */
  const refusal = (error: unknown, request: R) =>
    new OrgTokenError(
      error instanceof BearerError ? error : invalidToken('the access token could not be verified right now'),
      metadataUrl(request),
    );

  /** The credential (claims and kind) of a token already taken from its header. */
  async function verifyOrgCredential(token: string, request: R): Promise<VerifiedCredential> {
    try {
      const credential = await verifyCredential(token, () => audiences(request));
      checkOrgAndScopes(credential, request.orgId, options.scopes);
      return credential;
    } catch (error) {
      throw refusal(error, request);
    }
  }

  return {
    /** Verifies the request's bearer credential; rejects with an `OrgTokenError`. */
    async verifyOrgRequest(request: R): Promise<OrgAuth> {
      let token: string;
      try {
        token = bearerToken(request.authorization);
      } catch (error) {
        throw refusal(error, request);
      }
      return toOrgAuth(await verifyOrgCredential(token, request));
    },
    /** The same for a token its caller already took from the header (as the MCP SDK does). */
    async verifyOrgToken(token: string, request: R): Promise<OrgAuth> {
      return toOrgAuth(await verifyOrgCredential(token, request));
    },
    verifyOrgCredential,
    audiences,
    /** The RFC 9728 metadata URL named in this request's refusals. */
    resourceMetadataUrl: metadataUrl,
  };
}

export type OrgVerifier<R extends OrgRequest = OrgRequest> = ReturnType<typeof createOrgVerifier<R>>;
