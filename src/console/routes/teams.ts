import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { teamSchema } from '../../api/schemas.js';
import type { Page } from '../../stores/pagination.js';
import { confirmedOrAsk, shownName } from '../confirm.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf } from '../context.js';
import { done } from './auth.js';
import { pageQueryOf } from './members.js';

type Team = z.output<typeof teamSchema>;

/** Teams tab: the organization's teams; create, rename, assign (operators) and remove assignments. */
export function teamPages(router: Router, deps: ConsoleDeps): void {
  const teamsPage = async (ctx: Context, failure?: Failure) => {
    const orgId = ctx.params.orgId ?? '';
    const org = stateOf(ctx).org;
    const [teams, unassigned] = await Promise.all([
      call<Page<Team>>(ctx, deps, 'listOrgTeams', { params: { orgId }, query: pageQueryOf(ctx) }),
      org?.standing === 'platform'
        ? call<Page<Team>>(ctx, deps, 'listTeams', { query: { unassigned: 'true', limit: '100' } })
        : undefined,
    ]);
    show(ctx, 'org-teams', {
      title: `Teams · ${org?.name}`,
      tab: 'teams',
      teams,
      unassigned: unassigned?.items,
      failure,
    });
  };
  const back = (orgId: string) => `/console/orgs/${orgId}/teams`;

  router.get('/orgs/:orgId/teams', async (ctx) => teamsPage(ctx));

  router.post('/orgs/:orgId/teams', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'create', async () => {
      await call(ctx, deps, 'createOrgTeam', { params: { orgId }, body: { name: field(ctx, 'name') } });
    });
    if (failure) return teamsPage(ctx, failure);
    await done(ctx, deps, 'The team was created.', back(orgId));
  });

  router.post('/orgs/:orgId/teams/assign', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'assign', async () => {
      await call(ctx, deps, 'updateTeam', { params: { teamId: field(ctx, 'teamId') }, body: { orgId } });
    });
    if (failure) return teamsPage(ctx, failure);
    await done(ctx, deps, 'The team was assigned to this organization.', back(orgId));
  });

  router.post('/orgs/:orgId/teams/:teamId/rename', async (ctx) => {
    const { orgId = '', teamId = '' } = ctx.params;
    const failure = await attempt(ctx, `rename-${teamId}`, async () => {
      await call(ctx, deps, 'renameOrgTeam', { params: { orgId, teamId }, body: { name: field(ctx, 'name') } });
    });
    if (failure) return teamsPage(ctx, failure);
    await done(ctx, deps, 'The team was renamed.', back(orgId));
  });

  router.post('/orgs/:orgId/teams/:teamId/unassign', async (ctx) => {
    const { orgId = '', teamId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Remove this team from the organization?',
      message: `${shownName(ctx, teamId)} keeps existing, but its keys' debits here no longer name it.`,
      button: 'Remove assignment',
      back: back(orgId),
      tab: 'teams',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'teams', async () => {
      await call(ctx, deps, 'unassignOrgTeam', { params: { orgId, teamId } });
    });
    if (failure) return teamsPage(ctx, failure);
    await done(ctx, deps, 'The team was removed from this organization; it still exists.', back(orgId));
  });
}
