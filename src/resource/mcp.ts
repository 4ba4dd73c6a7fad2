/**
 * `orgauth/mcp`: an `OAuthTokenVerifier` for the official MCP SDK's `requireBearerAuth`, bound per
 * request to the organization of the URL. Needs `@modelcontextprotocol/sdk` (a peer dependency).
 */
export { type ExpressProtectedResourceOptions, protectedResourceMetadata } from './express-metadata.js';
export type { ExpressOrgTokenOptions as OrgTokenVerifierOptions, NodeRequest } from './express-middleware.js';
export type { IntrospectionCredentials } from './introspection.js';
export { type OrgTokenVerifier, orgAuthOf, orgTokenVerifier } from './mcp-verifier.js';
export type { OrgAuth } from './org-auth.js';
export { type RevocationFeed, type RevocationFeedOptions, revocationFeed } from './revocation-feed.js';
