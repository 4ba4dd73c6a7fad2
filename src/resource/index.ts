/**
 * `orgauth/koa`: what a resource server (an API, an MCP server) needs to accept Orgauth tokens.
 * Depends on jose, ioredis (revocation notices only) and HTTP; never on Orgauth's database.
 */
export { BearerError } from './errors.js';
export type { IntrospectionCredentials } from './introspection.js';
export { type ProtectedResourceMetadataOptions, protectedResourceMetadata } from './protected-resource-metadata.js';
export { type OrgAuth, type RequireOrgTokenOptions, requireOrgToken } from './require-org-token.js';
export { type RevocationFeed, type RevocationFeedOptions, revocationFeed } from './revocation-feed.js';
export type { RevocationNotice } from './revocation-notice.js';
