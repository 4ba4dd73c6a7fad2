import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { recordAudit } from '../audit/service.js';
import { InvalidError } from '../errors.js';
import { refuseUnreadableBody } from '../http/body-errors.js';
import { PROBLEM_BASE } from '../http/errors.js';
import { authorize } from '../orgs/policy.js';
import { BearerError, bearerChallenge } from '../resource/errors.js';
import { parseInput } from '../validation.js';
import type { ApiDeps } from './deps.js';
import { openApiDocument } from './openapi.js';
import type { Access, ApiRoute, Caller } from './route.js';

const PREFIX = '/api/v1';
const emptyObject = z.object({});

type Authenticate = (ctx: Context, access: Access) => Promise<Caller>;

/** Credential failures as problems, with the RFC 6750 challenge a client needs. */
function bearerProblems(issuer: string) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof BearerError)) throw error;
      ctx.status = error.status;
      ctx.set('WWW-Authenticate', bearerChallenge(error, `${issuer}/.well-known/oauth-protected-resource/api`));
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: `${PROBLEM_BASE}${error.code ?? 'unauthorized'}`,
        title: error.status === 401 ? 'Unauthorized' : 'Forbidden',
        status: error.status,
        detail: error.description,
      };
    }
  };
}

const json = bodyParser({
  enableTypes: ['json'],
  jsonLimit: '64kb',
  encoding: 'utf-8',
  onError: refuseUnreadableBody,
});

async function readJson(ctx: Context, next: Next) {
  if (!ctx.is('application/json')) {
    throw new InvalidError('send the body as application/json', { body: 'must be application/json' });
  }
  return json(ctx, async () => {
    const raw = (ctx.request as { rawBody?: string }).rawBody;
    if (!raw?.trim()) throw new InvalidError('send a JSON object as the body', { body: 'is required' });
    const body: unknown = ctx.request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidError('send a JSON object as the body', { body: 'must be a JSON object' });
    }
    return next();
  });
}

/** `/api/v1`: each route reads as authenticate → validate → handle; the OpenAPI document comes from the same routes. */
export function apiRouter(deps: ApiDeps, routes: ApiRoute[], authenticate: Authenticate): Router {
  const router = new Router({ prefix: PREFIX });
  const document = openApiDocument(routes, deps.config.issuer);
  router.use(bearerProblems(deps.config.issuer));
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  for (const route of routes) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    const handlers = [
      ...(route.body ? [readJson] : []),
      async (ctx: Context) => {
        const caller = await authenticate(ctx, route.access);
        if (route.access.kind === 'org') authorize(caller.standing ?? 'member', route.access.action);
        const params = parseInput(route.params ?? emptyObject, ctx.params);
        const query = parseInput(route.query ?? emptyObject, ctx.query);
        const body = route.body ? parseInput(route.body, ctx.request.body ?? {}) : undefined;
        const result = await route.handler({
          params,
          query,
          body,
          caller,
          deps,
          header: (name) => (ctx.get(name) === '' ? undefined : ctx.get(name)),
          requestId: ctx.state.requestId as string | undefined,
          audit: (entry) =>
            recordAudit(deps.db, {
              ...entry,
              // A key acts for its owner: the entry names both.
              actor: caller.actor.type === 'api_key' ? { ...caller.actor, onBehalfOf: caller.userId } : caller.actor,
              requestId: ctx.state.requestId,
            }),
        });
        ctx.set('Cache-Control', 'no-store');
        if (route.status === 204 || result === undefined) {
          ctx.status = 204;
          return;
        }
        ctx.status = route.status ?? 200;
        ctx.body = result;
      },
    ];
    router[route.method](path, ...(handlers as [never]));
  }
  return router;
}

/** Unknown paths under /api/v1 answer with a problem, not an HTML page. */
export function apiNotFound() {
  const answer = async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: `${PROBLEM_BASE}not_found`,
        title: 'Not found',
        status: 404,
        detail: `no route ${ctx.method} ${ctx.path}`,
      };
    }
  };
  // Only the API's own paths: every other request passes without a step of its own.
  return (ctx: Context, next: Next) => (ctx.path.startsWith(`${PREFIX}/`) ? answer(ctx, next) : next());
}
