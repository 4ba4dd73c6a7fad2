import type Router from '@koa/router';
import type { z } from 'zod';
import type { auditEventSchema } from '../../api/schemas.js';
import { nameAuditParticipants } from '../../audit/participants.js';
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
    // Names, not ids: what the page mentions is looked up once for the whole page.
    const names = await nameAuditParticipants(deps.api.db, orgId, events.items);
    const label = (type: string, id: string) => names.get(`${type}:${id}`);
    const rows = events.items.map((event) => {
      const owner = event.actor.userId ? (label('user', event.actor.userId) ?? event.actor.userId) : undefined;
      const actorName =
        label(event.actor.type, event.actor.id) ??
        (event.actor.type === 'api_key' && owner ? `a key of ${owner}` : undefined);
      // A grant is known by the app it was given to.
      const app = typeof event.data.clientId === 'string' ? label('client', event.data.clientId) : undefined;
      const targetName =
        label(event.target.type, event.target.id) ??
        (event.target.type === 'grant' && app ? `${app} (grant)` : undefined);
      return { ...event, actorName, targetName };
    });
    const nextQuery = events.nextCursor
      ? new URLSearchParams({ ...(action ? { action } : {}), cursor: events.nextCursor }).toString()
      : '';
    show(ctx, 'org-audit', {
      title: `Audit · ${stateOf(ctx).org?.name}`,
      tab: 'audit',
      events: { ...events, items: rows },
      action,
      nextQuery,
    });
  });
}
