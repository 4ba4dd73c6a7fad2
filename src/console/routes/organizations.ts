import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { organizationSchema } from '../../api/schemas.js';
import { recordAudit } from '../../audit/service.js';
import { InvalidError, NotFoundError } from '../../errors.js';
import { createOrganization } from '../../orgs/service.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf, userOf } from '../context.js';
import { requireUser } from '../guards.js';
import { done } from './auth.js';

/** The organization tabs, in the order the navigation shows them. */
export const TABS = ['', 'members', 'teams', 'api-keys', 'apps', 'transactions', 'configuration', 'audit'] as const;

type OrganizationView = z.output<typeof organizationSchema>;
interface CreditsView {
  balance: number;
  overdraftLimit: number;
  entries: number;
}

const orgPath = (orgId: string, tab = '') => `/console/orgs/${orgId}${tab ? `/${tab}` : ''}`;

/** The console's home, the switcher, creating a company organization, the overview and configuration tabs. */
export function accountOrgRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/', requireUser, async (ctx) => {
    const { session, memberships } = stateOf(ctx);
    const active = memberships.find((m) => m.organization._id === session?.activeOrgId);
    ctx.redirect(orgPath(active?.organization._id ?? userOf(ctx).personalOrgId));
  });

  router.post('/switch', requireUser, async (ctx) => {
    const { session, memberships } = stateOf(ctx);
    const orgId = field(ctx, 'orgId');
    if (!memberships.some((m) => m.organization._id === orgId)) throw new NotFoundError('organization not found');
    if (session) await deps.sessions.setActiveOrg(session, orgId);
    const tab = TABS.find((t) => t === field(ctx, 'tab')) ?? '';
    ctx.status = 303;
    ctx.redirect(orgPath(orgId, tab));
  });

  const newOrgPage = (ctx: Context, failure?: Failure) =>
    show(ctx, 'org-new', { title: 'Create an organization', failure });
  router.get('/orgs/new', requireUser, async (ctx) => newOrgPage(ctx));
  router.post('/orgs/new', requireUser, async (ctx) => {
    const user = userOf(ctx);
    let orgId = '';
    const failure = await attempt(ctx, 'org', async () => {
      const org = await createOrganization(
        deps.api.db,
        { name: field(ctx, 'name'), description: field(ctx, 'description') },
        user._id,
      );
      orgId = org._id;
      await recordAudit(deps.api.db, {
        orgId,
        action: 'org.created',
        target: { type: 'organization', id: orgId },
        actor: { type: 'user', id: user._id },
        requestId: ctx.state.requestId,
      });
    });
    if (failure) return newOrgPage(ctx, failure);
    const session = stateOf(ctx).session;
    if (session) await deps.sessions.setActiveOrg(session, orgId);
    await done(ctx, deps, 'The organization was created. Invite people from the Members tab.', orgPath(orgId));
  });

  router.get('/orgs/:orgId', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const [organization, credits] = await Promise.all([
      call<OrganizationView>(ctx, deps, 'getOrganization', { params: { orgId } }),
      call<CreditsView>(ctx, deps, 'getCredits', { params: { orgId } }),
    ]);
    // A new organization (nothing spent, nobody else in it) gets its first steps.
    const gettingStarted = credits.entries === 0 && (organization.membersCount ?? 0) <= 1;
    show(ctx, 'org-overview', { title: organization.name, tab: '', organization, credits, gettingStarted });
  });

  const configurationPage = async (ctx: Context, failure?: Failure) => {
    const orgId = ctx.params.orgId ?? '';
    const organization = await call<OrganizationView>(ctx, deps, 'getOrganization', { params: { orgId } });
    show(ctx, 'org-configuration', {
      title: `Configuration · ${organization.name}`,
      tab: 'configuration',
      organization,
      failure,
    });
  };
  router.get('/orgs/:orgId/configuration', async (ctx) => configurationPage(ctx));

  router.post('/orgs/:orgId/configuration', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'settings', async () => {
      await call(ctx, deps, 'updateOrganization', {
        params: { orgId },
        body: { name: field(ctx, 'name'), description: field(ctx, 'description') },
      });
    });
    if (failure) return configurationPage(ctx, failure);
    await done(ctx, deps, 'The organization was saved.', orgPath(orgId, 'configuration'));
  });

  router.post('/orgs/:orgId/delete', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const org = stateOf(ctx).org;
    const failure = await attempt(ctx, 'delete', async () => {
      if (field(ctx, 'confirmName') !== org?.name) {
        throw new InvalidError('type the name to confirm', { confirmName: 'must be the organization’s exact name' });
      }
      await call(ctx, deps, 'deleteOrganization', { params: { orgId } });
    });
    if (failure) return configurationPage(ctx, failure);
    const user = userOf(ctx);
    const next = org?.standing === 'platform' ? '/console/admin/organizations' : orgPath(user.personalOrgId);
    await done(ctx, deps, `${org?.name ?? 'The organization'} was deleted; its teams were kept.`, next);
  });
}
