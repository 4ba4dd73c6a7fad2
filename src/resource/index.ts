/**
 * `orgauth/koa`: what a Koa resource server (an API, an MCP server) needs to accept Orgauth tokens.
 * A thin adapter over `orgauth/verify`; depends on jose and HTTP (ioredis only for revocation
 * notices, loaded when `revocationFeed` is called); never on Orgauth's database.
 */
export { BearerError, OrgTokenError } from './errors.js';
export type { IntrospectionCredentials } from './introspection.js';
export { type ProtectedResourceMetadataOptions, protectedResourceMetadata } from './protected-resource-metadata.js';
export { type OrgAuth, type RequireOrgTokenOptions, requireOrgToken } from './require-org-token.js';
export { type RevocationFeed, type RevocationFeedOptions, revocationFeed } from './revocation-feed.js';
export type { RevocationNotice } from './revocation-notice.js';
