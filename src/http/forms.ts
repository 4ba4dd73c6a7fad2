import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';

/** An HTML form post is percent-encoded ASCII; raw bytes beyond it are a malformed request, not text. */
class MalformedForm extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.parse.failed';
}

/** ASCII only, and every percent-escape decodes to UTF-8. */
function isWellFormed(raw: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is for bytes outside ASCII
  if (/[^\x00-\x7f]/.test(raw)) return false;
  try {
    for (const pair of raw.split('&')) for (const part of pair.split('=')) decodeURIComponent(part.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `application/x-www-form-urlencoded` bodies up to `limit`, refusing bodies with raw
 * non-ASCII bytes or broken percent-escapes (what browsers send is always percent-encoded UTF-8),
 * so that malformed input never becomes replacement characters or stray escapes in stored text.
 */
export function formBody(limit: string) {
  const parse = bodyParser({ enableTypes: ['form'], formLimit: limit, encoding: 'utf-8' });
  return (ctx: Context, next: Next) =>
    parse(ctx, async () => {
      const raw = (ctx.request as { rawBody?: string }).rawBody;
      if (typeof raw === 'string' && !isWellFormed(raw)) throw new MalformedForm('the form is not URL-encoded UTF-8');
      return next();
    });
}
