import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for our forms: an HMAC under the server secret of what the form is bound to (an
 * interaction uid, a console session, a signed-out visitor's cookie). A forged form cannot carry it.
 */
export function csrfToken(secretKey: string, binding: string): string {
  return createHmac('sha256', secretKey).update(`orgauth-csrf:${binding}`).digest('base64url');
}

export function isValidCsrfToken(secretKey: string, binding: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfToken(secretKey, binding));
  const actual = Buffer.from(token);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
