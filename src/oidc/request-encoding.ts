import type { Context, Next } from 'koa';

/**
 * oidc-provider (and the secret hashing in front of it) read a request body as it arrives and know
 * no content coding, so a body labelled gzip or brotli would be read as plain text whatever it is.
 * A body with any Content-Encoding but identity is refused with 415 (RFC 9110) before either reads it.
 */
export function refuseEncodedBodies() {
  return (ctx: Context, next: Next) => {
    const encoding = ctx.get('content-encoding').trim().toLowerCase();
    if (!encoding || encoding === 'identity') return next();
    ctx.status = 415;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'invalid_request', error_description: 'send the body without a Content-Encoding' };
  };
}
