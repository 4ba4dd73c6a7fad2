import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { blockedHostSchema, blockHost, listBlockedHosts, unblockHost } from '../../orgs/blocked-hosts.js';
import { defineRoute } from '../route.js';
import { orgIdParam, pageOf, pageQuery } from '../schemas.js';

const blockedHostEntrySchema = z
  .object({ host: z.string(), blockedBy: z.string(), createdAt: z.string().describe('ISO 8601 date-time') })
  .meta({ id: 'BlockedHost' });

const params = z.object({ orgId: orgIdParam });

/**
 * Hosts whose client ID metadata documents the organization refuses: an app whose https client id
 * is on such a host (or below it) cannot be authorized in the organization, approved or not.
 */
export const blockedHostRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/blocked-hosts',
    operationId: 'listBlockedHosts',
    summary: 'Hosts whose client ID metadata documents the organization refuses',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params,
    query: pageQuery,
    response: pageOf(blockedHostEntrySchema, 'BlockedHost'),
    handler: ({ params, query, deps }) => listBlockedHosts(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'put',
    path: '/orgs/{orgId}/blocked-hosts',
    operationId: 'blockHost',
    summary: 'Refuse apps whose client ID metadata document is on this host or below it',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params,
    body: z.object({ host: blockedHostSchema }).strict(),
    response: blockedHostEntrySchema,
    handler: async ({ params, body, caller, deps, audit }) => {
      const blocked = await blockHost(deps.db, params.orgId, body.host, caller.actor.id);
      await audit({ orgId: params.orgId, action: 'cimd_host.blocked', target: { type: 'host', id: blocked.host } });
      return blocked;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/blocked-hosts',
    operationId: 'unblockHost',
    summary: 'Allow apps from a blocked host again (the organization’s app policy still applies)',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params,
    query: z.object({ host: z.string().min(1).max(253) }),
    status: 204,
    handler: async ({ params, query, deps, audit }) => {
      if (!(await unblockHost(deps.db, params.orgId, query.host))) {
        throw new NotFoundError(`${query.host} is not blocked`);
      }
      await audit({ orgId: params.orgId, action: 'cimd_host.unblocked', target: { type: 'host', id: query.host } });
      return undefined;
    },
  }),
];
