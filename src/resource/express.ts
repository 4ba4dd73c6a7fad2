/**
 * `orgauth/express`: Express/Connect middleware (Node's own request and response API, so plain
 * `http` servers and Fastify's Express compatibility work too). No dependency on Express itself.
 */
export { BearerError, OrgTokenError } from './errors.js';
export { type ExpressProtectedResourceOptions, protectedResourceMetadata } from './express-metadata.js';
export {
  type ExpressOrgTokenOptions,
  type NodeRequest,
  type OrgAuthenticated,
  orgAuthOf,
  requireOrgToken,
} from './express-middleware.js';
export type { IntrospectionCredentials } from './introspection.js';
export type { OrgAuth } from './org-auth.js';
export { type RevocationFeed, type RevocationFeedOptions, revocationFeed } from './revocation-feed.js';
