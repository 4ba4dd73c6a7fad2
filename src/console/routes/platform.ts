import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { organizationSchema } from '../../api/schemas.js';
import type { Page } from '../../stores/pagination.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, userOf } from '../context.js';
import { requirePlatformAdmin } from '../guards.js';
import { done } from './auth.js';

type Organization = z.output<typeof organizationSchema>;

/** Admin › Organizations: every organization of the deployment, and adding one (platform admins only). */
export function platformPages(router: Router, deps: ConsoleDeps): void {
  const organizationsPage = async (ctx: Context, failure?: Failure) => {
    const query = typeof ctx.query.cursor === 'string' ? { cursor: ctx.query.cursor, limit: '25' } : { limit: '25' };
    const organizations = await call<Page<Organization>>(ctx, deps, 'listOrganizations', { query });
    const adding = ctx.query.add === '1' || failure !== undefined;
    show(ctx, 'admin-organizations', { title: 'Organizations', section: 'admin', organizations, adding, failure });
  };

  router.get('/admin/organizations', requirePlatformAdmin, async (ctx) => organizationsPage(ctx));

  router.post('/admin/organizations', requirePlatformAdmin, async (ctx) => {
    let created: Organization | undefined;
    const failure = await attempt(ctx, 'add', async () => {
      created = await call<Organization>(ctx, deps, 'createOrganization', {
        body: {
          name: field(ctx, 'name'),
          ...(field(ctx, 'description').trim() ? { description: field(ctx, 'description') } : {}),
          ownerEmail: field(ctx, 'ownerEmail').trim() || userOf(ctx).email,
        },
      });
    });
    if (failure || !created) return organizationsPage(ctx, failure);
    await done(ctx, deps, `${created.name} was created.`, `/console/orgs/${created.id}`);
  });
}
