import type Router from '@koa/router';
import type { z } from 'zod';
import type { auditEventSchema } from '../../api/schemas.js';
import { nameAuditParticipants } from '../../audit/participants.js';
import type { Page } from '../../stores/pagination.js';
import { type ConsoleDeps, call, show, stateOf } from '../context.js';
import { pageQueryOf } from './members.js';

type AuditEvent = z.output<typeof auditEventSchema>;

/**
 * What an entry's target is called when it is not a person, key, team or client: the organization by
 * its name, an invitation by its email, a grant by its app, a host or resource by itself.
 */
function describedBy(
  event: AuditEvent,
  org: { id: string; name: string },
  label: (type: string, id: string) => string | undefined,
): string | undefined {
  const { type, id } = event.target;
  const app = typeof event.data.clientId === 'string' ? label('client', event.data.clientId) : undefined;
  if (type === 'organization' && id === org.id) return org.name;
  if (type === 'invitation' && typeof event.data.email === 'string') return `invitation of ${event.data.email}`;
  if (type === 'grant' && app) return `${app} (grant)`;
  return undefined;
}

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
    const org = { id: orgId, name: stateOf(ctx).org?.name ?? orgId };
    const rows = events.items.map((event) => {
      const owner = event.actor.userId ? (label('user', event.actor.userId) ?? event.actor.userId) : undefined;
      const actorName =
        label(event.actor.type, event.actor.id) ??
        (event.actor.type === 'api_key' && owner ? `a key of ${owner}` : undefined);
      const targetName = label(event.target.type, event.target.id) ?? describedBy(event, org, label);
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
