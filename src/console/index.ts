import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { DomainError } from '../errors.js';
import { formBody } from '../http/forms.js';
import { renderErrorPage, renderStoreOutage, renderUnreadableRequest } from '../http/views.js';
import { listUserOrganizations } from '../orgs/service.js';
import { isStoreOutage } from '../stores/outage.js';
import { findUserById } from '../users/service.js';
import type { ConsoleDeps, ConsoleState } from './context.js';
import { requireUser } from './guards.js';
import { standingIn } from './invoke.js';
import { apiKeyPages } from './routes/api-keys.js';
import { appPages } from './routes/apps.js';
import { auditPages } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { invitationPages } from './routes/invitations.js';
import { memberPages } from './routes/members.js';
import { accountOrgRoutes } from './routes/organizations.js';
import { platformPages } from './routes/platform.js';
import { teamPages } from './routes/teams.js';
import { transactionPages } from './routes/transactions.js';

export type { ConsoleDeps } from './context.js';
export { consoleSessions } from './session.js';

const form = formBody('32kb');
const BACK_TO_CONSOLE = { href: '/console', text: 'Back to the console' };

/** Domain errors outside a form (an unknown organization, a refused page) as readable pages. */
async function consoleErrors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (error) {
    if (isStoreOutage(error)) {
      return renderStoreOutage(ctx, 'The console is temporarily unavailable');
    }
    if (renderUnreadableRequest(ctx, error)) return;
    if (!(error instanceof DomainError)) throw error;
    renderErrorPage(ctx, {
      status: error.status,
      heading: error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'That did not work',
      message: error.status === 404 ? 'This page does not exist, or it is not yours to see.' : error.message,
      hint: 'Go back to the console and try again.',
      link: BACK_TO_CONSOLE,
    });
  }
}

export function consoleRoutes(deps: ConsoleDeps): Router {
  const { db } = deps.api;
  const router = new Router({ prefix: '/console' });

  router.use(consoleErrors);
  router.use(async (ctx, next) => {
    let session = await deps.sessions.current(ctx);
    const user = session ? await findUserById(db, session.userId) : null;
    if (session && !user) {
      await deps.sessions.end(ctx, session);
      session = undefined;
    }
    const state: ConsoleState = {
      session,
      user: user ?? undefined,
      csrf: deps.sessions.csrfFor(ctx, session),
      memberships: user ? await listUserOrganizations(db, user._id) : [],
    };
    ctx.state.console = state;
    if (session && ctx.method === 'GET') {
      const flash = await deps.sessions.takeFlash(session);
      ctx.state.flash = flash?.message;
      ctx.state.reveal = flash?.reveal ?? {};
    }
    return next();
  });
  router.use(form);
  router.use(async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const token = (ctx.request.body as Record<string, unknown> | undefined)?.csrf;
    if (deps.sessions.checkCsrf(ctx, (ctx.state.console as ConsoleState).session, token)) return next();
    renderErrorPage(ctx, {
      status: 403,
      heading: 'This form has expired',
      message: 'The form was not sent from an Orgauth page, or the page is too old.',
      hint: 'Reload the page and try again.',
    });
  });

  // Organization pages: the organization must exist and be the person's (or they operate the platform).
  router.param('orgId', async (orgId, ctx, next) => {
    const state = ctx.state.console as ConsoleState;
    if (!state.user) return requireUser(ctx, next);
    const { organization, standing } = await standingIn(deps.api, state.user, orgId);
    const role = state.memberships.find((m) => m.organization._id === orgId)?.role ?? null;
    if (role && state.session) await deps.sessions.setActiveOrg(state.session, orgId);
    state.org = { id: orgId, name: organization.name, personal: organization.personal, standing, role };
    return next();
  });

  authRoutes(router, deps);
  accountOrgRoutes(router, deps);
  memberPages(router, deps);
  teamPages(router, deps);
  apiKeyPages(router, deps);
  appPages(router, deps);
  transactionPages(router, deps);
  auditPages(router, deps);
  platformPages(router, deps);
  invitationPages(router, deps);
  return router;
}

/** Unknown paths under /console get a page, not oidc-provider's answer. */
export function consoleNotFound() {
  const answer = async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      renderErrorPage(ctx, {
        status: 404,
        heading: 'Not found',
        message: 'This page does not exist.',
        hint: 'Go back to the console.',
        link: BACK_TO_CONSOLE,
      });
    }
  };
  return (ctx: Context, next: Next) => (/^\/console(?:\/|$)/.test(ctx.path) ? answer(ctx, next) : next());
}
