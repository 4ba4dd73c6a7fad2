import type { IncomingMessage, ServerResponse } from 'node:http';
import { OrgTokenError } from './errors.js';
import { requestUrl, sendRefusal } from './node-http.js';
import type { OrgAuth } from './org-auth.js';
import { createOrgVerifier, type OrgRequest, type OrgVerifierOptions } from './verify-org-request.js';

/** A Node request as Express (and Connect, and Fastify's Express compatibility) hands it over. */
export type NodeRequest = IncomingMessage & { params?: Record<string, string | undefined>; originalUrl?: string };

export interface ExpressOrgRequest<Req extends NodeRequest = NodeRequest> extends OrgRequest {
  req: Req;
}

export interface ExpressOrgTokenOptions<Req extends NodeRequest = NodeRequest>
  extends Omit<OrgVerifierOptions<ExpressOrgRequest<Req>>, 'audience' | 'resourceMetadataUrl'> {
  /** This resource's identifier(s), or a function of the request for one URL per organization. */
  audience: string | string[] | ((req: Req) => string | string[]);
  /** The organization this request acts in, e.g. `(req) => req.params.orgId`. */
  org: (req: Req) => string | undefined;
  /** URL of this resource's RFC 9728 metadata; default: derived from the request's URL. */
  resourceMetadataUrl?: string | ((req: Req) => string);
  /** Read the request's URL from `X-Forwarded-Proto`/`-Host` (behind a proxy you trust). */
  trustProxy?: boolean;
}

/** What the middleware adds to the request. */
export interface OrgAuthenticated {
  orgAuth: OrgAuth;
}

/** The framework-free request the core sees for one Node request; shared with `orgauth/mcp`. */
export function orgRequestOf<Req extends NodeRequest>(
  req: Req,
  org: (req: Req) => string | undefined,
  trustProxy?: boolean,
): ExpressOrgRequest<Req> {
  return {
    authorization: req.headers.authorization,
    // Read only to name a refusal's metadata URL (or the MCP SDK's `resourceMetadataUrl`).
    get url() {
      return requestUrl(req, trustProxy);
    },
    get orgId() {
      return org(req);
    },
    req,
  };
}

/** The Express options in the core's terms: each per-request option reads the request. */
export function expressCoreOptions<Req extends NodeRequest>(
  options: Omit<ExpressOrgTokenOptions<Req>, 'org'>,
): OrgVerifierOptions<ExpressOrgRequest<Req>> {
  const { audience, resourceMetadataUrl, ...rest } = options;
  return {
    ...rest,
    audience: typeof audience === 'function' ? ({ req }) => audience(req) : audience,
    ...(typeof resourceMetadataUrl === 'function'
      ? { resourceMetadataUrl: ({ req }: ExpressOrgRequest<Req>) => resourceMetadataUrl(req) }
      : resourceMetadataUrl
        ? { resourceMetadataUrl }
        : {}),
  };
}

/**
 * Express/Connect middleware (`(req, res, next)`, Node's own response API) of a resource server:
 * the same rules and answers as `orgauth/koa`'s `requireOrgToken`. Sets `req.orgAuth`.
 */
export function requireOrgToken<Req extends NodeRequest = NodeRequest>(options: ExpressOrgTokenOptions<Req>) {
  const { verifyOrgRequest } = createOrgVerifier(expressCoreOptions(options));
  return function requireOrgTokenMiddleware(req: Req, res: ServerResponse, next: (error?: unknown) => void): void {
    verifyOrgRequest(orgRequestOf(req, options.org, options.trustProxy)).then(
      (auth) => {
        (req as Req & OrgAuthenticated).orgAuth = auth;
        next();
      },
      (error: unknown) => (error instanceof OrgTokenError ? sendRefusal(res, error) : next(error)),
    );
  };
}

/** The caller `requireOrgToken` accepted for this request. */
export function orgAuthOf(req: IncomingMessage): OrgAuth {
  const auth = (req as IncomingMessage & Partial<OrgAuthenticated>).orgAuth;
  if (!auth) throw new Error('orgAuthOf: the request did not pass requireOrgToken');
  return auth;
}
