/**
 * Revocation notices, published by Orgauth on Redis (channel `${prefix}revocations`) and kept in a
 * sorted set (`${prefix}revocations:recent`, scored by when they stop mattering) so that a resource
 * middleware that was away replays what it missed. Times are milliseconds.
 */
export type RevocationNotice =
  /** A grant was revoked: tokens of this person, client and organization issued until `at`. */
  | { kind: 'grant'; sub: string; clientId: string; orgId: string; at: number }
  /** A person left an organization: their tokens in it issued until `at`. */
  | { kind: 'member'; sub: string; orgId: string; at: number }
  /** A client was deleted: its tokens issued until `at`. */
  | { kind: 'client'; clientId: string; at: number }
  /** One token (by SHA-256 of its `jti`, base64url) was revoked. */
  | { kind: 'token'; jtiHash: string; at: number }
  /** An API key was deleted. */
  | { kind: 'api_key'; keyId: string; at: number };

export const revocationChannel = (prefix: string) => `${prefix}revocations`;
export const recentRevocationsKey = 'revocations:recent';

/** How long a notice matters: no access token lives longer than this (seconds). */
export const NOTICE_LIFETIME_SECONDS = 24 * 60 * 60;
