/**
 * `orgauth/verify`: the framework-free core every adapter is built on. Depends on jose and HTTP;
 * ioredis is loaded only when `revocationFeed` is used.
 */
export { BearerError, OrgTokenError } from './errors.js';
export type { IntrospectionCredentials } from './introspection.js';
export type { OrgAuth } from './org-auth.js';
export {
  isProtectedResourcePath,
  metadataUrlOf,
  PROTECTED_RESOURCE_PATH,
  type ProtectedResourceDocumentOptions,
  protectedResourceDocument,
} from './protected-resource-document.js';
export { type RevocationFeed, type RevocationFeedOptions, revocationFeed } from './revocation-feed.js';
export type { RevocationNotice } from './revocation-notice.js';
export type { TokenClaims } from './token-claims.js';
export {
  createOrgVerifier,
  type OrgRequest,
  type OrgVerifier,
  type OrgVerifierOptions,
} from './verify-org-request.js';
