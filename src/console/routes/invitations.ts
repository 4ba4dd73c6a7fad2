import type Router from '@koa/router';
import type { Context } from 'koa';
import { attempt, type ConsoleDeps, call, type Failure, field, show } from '../context.js';
import { requireUser } from '../guards.js';
import { done } from './auth.js';

/** Accepting an invitation: the signed-in person whose email was invited joins the organization. */
export function invitationPages(router: Router, deps: ConsoleDeps): void {
  const acceptPage = (ctx: Context, token: string, failure?: Failure) =>
    show(ctx, 'invitation-accept', { title: 'Join an organization', token, failure });

  router.get('/invitations/accept', requireUser, async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token.slice(0, 200) : '';
    acceptPage(ctx, token);
  });

  router.post('/invitations/accept', requireUser, async (ctx) => {
    const token = field(ctx, 'token');
    let orgId = '';
    const failure = await attempt(ctx, 'accept', async () => {
      const accepted = await call<{ orgId: string }>(ctx, deps, 'acceptInvitation', { body: { token } });
      orgId = accepted.orgId;
    });
    if (failure) return acceptPage(ctx, token, failure);
    await done(ctx, deps, 'You joined the organization.', `/console/orgs/${orgId}`);
  });
}
