import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Gives every request an id (kept from X-Request-Id when well-formed), a child logger and an access log line. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    ctx.state.requestId = id;
    // The request's logger is made when first used (a pino child costs a few µs, most requests log nothing
    // but the access line, which is skipped below the info level).
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => {
        log ??= logger.child({ reqId: id });
        return log;
      },
      enumerable: true,
    });
    ctx.res.setHeader('X-Request-Id', id);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (logger.isLevelEnabled('info'))
        (ctx.state.log as Logger).info(
          { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 },
          'request',
        );
    }
  };
}
