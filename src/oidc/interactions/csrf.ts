import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for interaction forms: an HMAC of the interaction uid under the server secret. A
 * forged form cannot carry it, and the interaction itself is bound to the browser's cookie.
 */
export function csrfToken(secretKey: string, uid: string): string {
  return createHmac('sha256', secretKey).update(`orgauth-interaction-csrf:${uid}`).digest('base64url');
}

export function isValidCsrfToken(secretKey: string, uid: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfToken(secretKey, uid));
  const actual = Buffer.from(token);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
