import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { DomainError, InvalidError } from '../errors.js';
import { isStoreOutage } from '../stores/outage.js';

export const PROBLEM_BASE = 'https://orgauth.dev/problems/';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Record<string, string>;
}

/** What the body parser's errors mean, in words a client can act on. */
const BODY_ERRORS: Record<string, { code: string; title: string; detail: string }> = {
  'entity.parse.failed': { code: 'malformed_body', title: 'Malformed body', detail: 'the body is not valid JSON' },
  'entity.too.large': { code: 'body_too_large', title: 'Body too large', detail: 'the body is larger than allowed' },
  'entity.verify.failed': { code: 'malformed_body', title: 'Malformed body', detail: 'the body could not be read' },
  'form.malformed': {
    code: 'malformed_body',
    title: 'Malformed form',
    detail: 'send each field of the form once, as URL-encoded UTF-8 text',
  },
  'encoding.corrupt': {
    code: 'malformed_body',
    title: 'Malformed body',
    detail: 'the body does not decompress as its Content-Encoding says',
  },
  'encoding.unsupported': {
    code: 'unsupported_encoding',
    title: 'Unsupported encoding',
    detail: 'send the body in UTF-8 without a content encoding',
  },
  'request.size.invalid': {
    code: 'malformed_body',
    title: 'Malformed body',
    detail: 'the body is shorter than its Content-Length',
  },
};

/** Maps any thrown error to a status and an RFC 9457 problem; unknown errors never leak their message. */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) {
    return {
      type: `${PROBLEM_BASE}${error.code}`,
      title: error.name.replace(/Error$/, ''),
      status: error.status,
      detail: error.message,
      ...(error instanceof InvalidError && Object.keys(error.fields).length ? { errors: error.fields } : {}),
    };
  }
  if (isStoreOutage(error)) {
    return {
      type: `${PROBLEM_BASE}unavailable`,
      title: 'Unavailable',
      status: 503,
      detail: 'A store Orgauth depends on is temporarily unavailable; try again shortly.',
    };
  }
  const http = error as { status?: number; expose?: boolean; message?: string; type?: string };
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    const known =
      error instanceof SyntaxError
        ? BODY_ERRORS['entity.parse.failed']
        : typeof http.type === 'string'
          ? BODY_ERRORS[http.type]
          : undefined;
    return {
      type: `${PROBLEM_BASE}${known ? known.code : `http-${http.status}`}`,
      title: known ? known.title : 'Bad request',
      status: http.status,
      detail: known?.detail ?? (http.expose ? http.message : undefined),
    };
  }
  return { type: `${PROBLEM_BASE}internal`, title: 'Internal error', status: 500 };
}

/** The single error boundary of the non-OAuth surfaces. */
export function errorBoundary() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      const problem = toProblem(error);
      const log = ctx.state.log as Logger | undefined;
      if (problem.status === 503) {
        log?.warn({ err: error }, 'store unavailable');
        ctx.set('Retry-After', '5');
      } else if (problem.status >= 500) log?.error({ err: error }, 'request failed');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem;
    }
  };
}

/** For endpoints that speak OAuth: a request that cannot be read is an `invalid_request`, not a problem document. */
export function oauthRequestErrors() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 500 || error instanceof DomainError) throw error;
      ctx.status = problem.status;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'invalid_request', error_description: problem.detail ?? 'the request could not be read' };
    }
  };
}
