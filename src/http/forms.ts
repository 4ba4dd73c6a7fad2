import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { refuseUnreadableBody } from './body-errors.js';

/** An HTML form post is percent-encoded ASCII; raw bytes beyond it are a malformed request, not text. */
class MalformedForm extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'form.malformed';
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
 * No form here sends a field twice or a structured one (`name[x]=`): those parse to lists and objects,
 * which a handler reading text would otherwise take as an absent field.
 */
function isFlat(body: unknown): boolean {
  return Object.values(body ?? {}).every((value) => typeof value === 'string');
}

/**
 * Reads `application/x-www-form-urlencoded` bodies up to `limit`, refusing bodies with raw
 * non-ASCII bytes or broken percent-escapes (what browsers send is always percent-encoded UTF-8),
 * so that malformed input never becomes replacement characters or stray escapes in stored text,
 * and bodies whose fields are not each a single text value.
 */
export function formBody(limit: string) {
  const parse = bodyParser({
    enableTypes: ['form'],
    formLimit: limit,
    encoding: 'utf-8',
    onError: refuseUnreadableBody,
  });
  return (ctx: Context, next: Next) =>
    parse(ctx, async () => {
      const raw = (ctx.request as { rawBody?: string }).rawBody;
      if (typeof raw === 'string' && !isWellFormed(raw)) throw new MalformedForm('the form is not URL-encoded UTF-8');
      if (!isFlat(ctx.request.body)) throw new MalformedForm('each field of the form must be sent once, as text');
      return next();
    });
}
