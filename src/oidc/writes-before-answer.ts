import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { isStoreOutage } from '../stores/outage.js';
import { currentRequest } from './current-request.js';

/**
 * The token writes a token request has started and not yet seen committed, by its request. The request is
 * found through oidc-provider's own async context (Provider.ctx): a second AsyncLocalStorage would cost every
 * promise of every request one more propagation.
 */
const requestWrites = new WeakMap<IncomingMessage, Array<Promise<unknown>>>();

/**
 * A token write (a record, a consumption) that the token request waits for just before it answers, rather than
 * where it is made. oidc-provider saves a rotation's consumption, the new refresh token and the access token one
 * after another, each waiting for its own group commit; started together, they go in the same group (one insert
 * for the consumption and the new token), and the request waits for the database once. The answer still leaves
 * only when every write of the request is committed (a token a client holds is always on record). Outside a token
 * request the write is awaited here.
 */
export function writeBeforeAnswer(write: Promise<unknown>): Promise<unknown> {
  const request = currentRequest();
  const pending = request && requestWrites.get(request);
  if (!pending) return write;
  // Seen by the middleware below; until then a failure must not count as unhandled.
  write.catch(() => undefined);
  pending.push(write);
  return Promise.resolve();
}

/**
 * Around oidc-provider's token endpoint: the answer waits for the request's writes. If one failed, the tokens
 * are not handed out: 503 `temporarily_unavailable` when a store is away (outage-answers.ts), else 500
 * `server_error`; the old refresh token, whose consumption is then not recorded, can be used again.
 */
export function writesBeforeAnswer(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/token' || ctx.method !== 'POST') return next();
    const pending: Array<Promise<unknown>> = [];
    requestWrites.set(ctx.req, pending);
    try {
      await next();
    } finally {
      requestWrites.delete(ctx.req);
    }
    const failed = (await Promise.allSettled(pending)).find((r) => r.status === 'rejected');
    if (!failed) return;
    const error: unknown = failed.reason;
    if (isStoreOutage(error)) throw error;
    logger.error({ err: error }, 'a token write failed; the tokens were not handed out');
    ctx.status = 500;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'server_error', error_description: 'the tokens could not be recorded; try again' };
  };
}
