import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import { Eta } from 'eta';
import type { Context } from 'koa';
import { DomainError } from '../errors.js';
import { repoRoot } from '../stores/local/index.js';
import { toProblem } from './errors.js';

const eta = new Eta({ views: join(repoRoot, 'views'), cache: true, autoEscape: true });

/**
 * Pages load nothing but our stylesheet. `formAction` widens form-action for pages whose form
 * submission ends in a redirect to a client (browsers check form-action along the redirect chain).
 */
function pageCsp(formAction: unknown, scripts: boolean): string {
  const action = typeof formAction === 'string' && formAction ? formAction : "'self'";
  return [
    "default-src 'none'",
    "style-src 'self'",
    ...(scripts ? ["script-src 'self'", "connect-src 'self'"] : []),
    "img-src 'self' data:",
    `form-action ${action}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Renders a server-side template (views/) as a full HTML page. */
export function renderPage(ctx: Context, template: string, data: Record<string, unknown>, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', pageCsp(ctx.state.formAction, ctx.state.pageScripts === true));
  ctx.body = eta.render(template, data);
}

export interface ErrorPage {
  status: number;
  heading: string;
  message: string;
  hint?: string;
  /** Where to go from here, e.g. back to the console. */
  link?: { href: string; text: string };
}

export function renderErrorPage(ctx: Context, page: ErrorPage): void {
  renderPage(ctx, 'errors/error', { title: page.heading, ...page, requestId: ctx.state.requestId }, page.status);
}

/** A store (MongoDB, Redis) is away: a 503 page with Retry-After, whatever the page was. */
export function renderStoreOutage(ctx: Context, heading: string): void {
  renderErrorPage(ctx, {
    status: 503,
    heading,
    message: 'Orgauth cannot reach one of its stores right now. Please try again in a moment.',
  });
  ctx.set('Retry-After', '5');
}

/**
 * A request a page's form could not be read from (too large, not form-encoded, bad encoding) as a
 * readable page; false for anything else.
 */
export function renderUnreadableRequest(ctx: Context, error: unknown): boolean {
  const problem = toProblem(error);
  if (problem.status < 400 || problem.status >= 500 || error instanceof DomainError) return false;
  renderErrorPage(ctx, {
    status: problem.status,
    heading: 'This form could not be read',
    message: problem.detail ?? 'The request was not in a form this page accepts.',
    hint: 'Go back, check what you entered, and send the form again.',
  });
  return true;
}

/** Whether the caller wants a page rather than JSON (browsers send text/html first). */
export function wantsHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

/** The stylesheet and script of every page, served from memory, and the home page. */
export function assetRoutes(issuer: string): Router {
  const css = readFileSync(join(repoRoot, 'public', 'orgauth.css'));
  const router = new Router();
  const js = readFileSync(join(repoRoot, 'public', 'console.js'));
  const asset = (path: string, type: string, body: Buffer) =>
    router.get(path, (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  asset('/assets/orgauth.css', 'text/css', css);
  asset('/assets/console.js', 'application/javascript', js);
  router.get('/', (ctx) => renderPage(ctx, 'home', { title: 'Orgauth', issuer }));
  return router;
}
