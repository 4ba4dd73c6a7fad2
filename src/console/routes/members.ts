import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { invitationSchema, memberSchema } from '../../api/schemas.js';
import type { Page } from '../../stores/pagination.js';
import { confirmedOrAsk, shownName } from '../confirm.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf, userOf } from '../context.js';
import { done } from './auth.js';

type Member = z.output<typeof memberSchema>;
type Invitation = z.output<typeof invitationSchema>;

/** The query of a list page: its cursor, if any. */
export const pageQueryOf = (ctx: Context) =>
  typeof ctx.query.cursor === 'string' ? { cursor: ctx.query.cursor, limit: '25' } : { limit: '25' };

/** Members tab: the members and their roles, invitations, role changes and removals. */
export function memberPages(router: Router, deps: ConsoleDeps): void {
  const membersPage = async (ctx: Context, extra: { failure?: Failure } = {}) => {
    const orgId = ctx.params.orgId ?? '';
    const org = stateOf(ctx).org;
    const mayInvite = org ? ['owner', 'admin', 'platform'].includes(org.standing) : false;
    const [members, invitations] = await Promise.all([
      call<Page<Member>>(ctx, deps, 'listMembers', { params: { orgId }, query: pageQueryOf(ctx) }),
      mayInvite
        ? call<Page<Invitation>>(ctx, deps, 'listInvitations', {
            params: { orgId },
            query:
              typeof ctx.query.invitations === 'string'
                ? { cursor: ctx.query.invitations, limit: '25' }
                : { limit: '25' },
          })
        : undefined,
    ]);
    show(ctx, 'org-members', {
      title: `Members · ${org?.name}`,
      tab: 'members',
      members,
      invitations: invitations?.items.filter((i) => !i.acceptedAt) ?? [],
      nextInvitations: invitations?.nextCursor
        ? `?${new URLSearchParams({ invitations: invitations.nextCursor }).toString()}`
        : undefined,
      me: userOf(ctx)._id,
      ...extra,
    });
  };

  router.get('/orgs/:orgId/members', async (ctx) => membersPage(ctx));

  router.post('/orgs/:orgId/members/invite', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    let token = '';
    const failure = await attempt(ctx, 'invite', async () => {
      const created = await call<Invitation>(ctx, deps, 'createInvitation', {
        params: { orgId },
        body: { email: field(ctx, 'email'), role: field(ctx, 'role') || 'member' },
      });
      token = created.token ?? '';
    });
    if (failure) return membersPage(ctx, { failure });
    // The link holds the invitation's secret: shown once, never stored in clear.
    const invitationLink = `${deps.api.config.issuer}/console/invitations/accept?token=${encodeURIComponent(token)}`;
    await done(ctx, deps, 'The invitation was created.', `/console/orgs/${orgId}/members`, { invitationLink });
  });

  router.post('/orgs/:orgId/members/:userId/role', async (ctx) => {
    const { orgId = '', userId = '' } = ctx.params;
    const failure = await attempt(ctx, `role-${userId}`, async () => {
      await call(ctx, deps, 'changeMemberRole', { params: { orgId, userId }, body: { role: field(ctx, 'role') } });
    });
    if (failure) return membersPage(ctx, { failure });
    await done(ctx, deps, 'The role was changed.', `/console/orgs/${orgId}/members`);
  });

  router.post('/orgs/:orgId/members/:userId/remove', async (ctx) => {
    const { orgId = '', userId = '' } = ctx.params;
    const leaving = userId === userOf(ctx)._id;
    const asked = confirmedOrAsk(
      ctx,
      leaving
        ? {
            title: 'Leave this organization?',
            message:
              'Your API keys and the apps you connected here stop working at once. To come back you need a new invitation.',
            button: 'Leave organization',
            back: `/console/orgs/${orgId}/members`,
            tab: 'members',
          }
        : {
            title: 'Remove this member?',
            message: `${shownName(ctx, userId)} loses access at once: their API keys and the apps they connected here stop working.`,
            button: 'Remove member',
            back: `/console/orgs/${orgId}/members`,
            tab: 'members',
          },
    );
    if (!asked) return;
    const failure = await attempt(ctx, `remove-${userId}`, async () => {
      await call(ctx, deps, 'removeMember', { params: { orgId, userId } });
    });
    if (failure) return membersPage(ctx, { failure });
    if (leaving) {
      return done(ctx, deps, 'You left the organization.', `/console/orgs/${userOf(ctx).personalOrgId}`);
    }
    await done(
      ctx,
      deps,
      'The member was removed; their keys and tokens stopped working.',
      `/console/orgs/${orgId}/members`,
    );
  });

  router.post('/orgs/:orgId/invitations/:invitationId/revoke', async (ctx) => {
    const { orgId = '', invitationId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Withdraw this invitation?',
      message: `The link sent to ${shownName(ctx, 'the invited person')} stops working. You can invite them again later.`,
      button: 'Withdraw invitation',
      back: `/console/orgs/${orgId}/members`,
      tab: 'members',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'invitations', async () => {
      await call(ctx, deps, 'revokeInvitation', { params: { orgId, invitationId } });
    });
    if (failure) return membersPage(ctx, { failure });
    await done(ctx, deps, 'The invitation was withdrawn.', `/console/orgs/${orgId}/members`);
  });
}
