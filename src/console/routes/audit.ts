import type Router from '@koa/router';
import type { z } from 'zod';
import type { auditEventSchema } from '../../api/schemas.js';
import type { Page } from '../../stores/pagination.js';
import { type ConsoleDeps, call, show, stateOf } from '../context.js';
import { pageQueryOf } from './members.js';

type AuditEvent = z.output<typeof auditEventSchema>;

/** Audit tab: the organization's audit log, newest first, filtered by action. */
export function auditPages(router: Router, deps: ConsoleDeps): void {
  router.get('/orgs/:orgId/audit', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const action = typeof ctx.query.action === 'string' ? ctx.query.action.trim().slice(0, 100) : '';
    const events = await call<Page<AuditEvent>>(ctx, deps, 'listAuditEvents', {
      params: { orgId },
      query: { ...pageQueryOf(ctx), ...(action ? { action } : {}) },
    });
    const nextQuery = events.nextCursor
      ? new URLSearchParams({ ...(action ? { action } : {}), cursor: events.nextCursor }).toString()
      : '';
    show(ctx, 'org-audit', { title: `Audit · ${stateOf(ctx).org?.name}`, tab: 'audit', events, action, nextQuery });
  });
}
