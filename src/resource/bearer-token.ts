import { invalidToken, missingToken } from './errors.js';

const MAX_TOKEN_LENGTH = 8192;

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or the RFC 6750 refusal. */
export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw missingToken();
  const header = authorization.length > MAX_TOKEN_LENGTH + 16 ? '' : authorization;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw invalidToken('the Authorization header does not carry a well-formed bearer token');
  return match[1];
}
