import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError } from '../../errors.js';
import { previewInvitation } from '../../orgs/invitations.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf } from '../context.js';
import { requireUser } from '../guards.js';
import { done } from './auth.js';

type Preview = Awaited<ReturnType<typeof previewInvitation>>;

/**
 * An invitation link: it lands on a page that names the organization and the role, whether or not the
 * person is signed in. Someone signed out is offered to sign in or to create their account with the
 * invited email filled in, and comes back here; the signed-in person whose email was invited joins.
 */
export function invitationPages(router: Router, deps: ConsoleDeps): void {
  const acceptPage = async (ctx: Context, token: string, failure?: Failure) => {
    let preview: Preview | undefined;
    let problem: string | undefined;
    try {
      preview = token ? await previewInvitation(deps.api.db, token) : undefined;
      if (!token) problem = 'This invitation link is incomplete: open the link from the invitation again.';
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problem = `This invitation cannot be used: ${error.message}.`;
    }
    const user = stateOf(ctx).user;
    const here = `/console/invitations/accept?token=${encodeURIComponent(token)}`;
    const withEmail = preview ? `&email=${encodeURIComponent(preview.email)}` : '';
    show(ctx, 'invitation-accept', {
      title: preview ? `Join ${preview.orgName}` : 'Join an organization',
      token,
      preview,
      problem,
      otherEmail: Boolean(user && preview && user.email.toLowerCase() !== preview.email.toLowerCase()),
      signInUrl: `/console/signin?next=${encodeURIComponent(here)}${withEmail}`,
      signUpUrl: `/console/signup?next=${encodeURIComponent(here)}${withEmail}`,
      failure,
      ...(problem ? { status: 404 } : {}),
    });
  };

  router.get('/invitations/accept', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token.slice(0, 200) : '';
    await acceptPage(ctx, token);
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
