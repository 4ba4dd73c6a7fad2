import { z } from 'zod';
import { listAudit } from '../../audit/service.js';
import { NotFoundError } from '../../errors.js';
import { listConnectedApps, revokeConnectedApp } from '../../oidc/connected-apps.js';
import { findGrantOfOrganization } from '../../oidc/grants-store.js';
import { listTokenIssuance } from '../../oidc/tokens-store.js';
import { approve, listApprovals, withdrawApproval } from '../../orgs/approvals.js';
import { authorize, can } from '../../orgs/policy.js';
import { defineRoute } from '../route.js';
import {
  approvalSchema,
  auditEventSchema,
  connectedAppSchema,
  grantIdParam,
  orgIdParam,
  pageOf,
  pageQuery,
} from '../schemas.js';

const approvalParams = z.object({ orgId: orgIdParam, kind: z.enum(['client', 'resource']) });

export const accessRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/approvals/{kind}',
    operationId: 'listApprovals',
    summary: 'Approved third-party clients or resource servers',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params: approvalParams,
    query: pageQuery,
    response: pageOf(approvalSchema, 'Approval'),
    handler: ({ params, query, deps }) => listApprovals(deps.db, params.orgId, params.kind, query),
  }),
  defineRoute({
    method: 'put',
    path: '/orgs/{orgId}/approvals/{kind}',
    operationId: 'approve',
    summary: 'Approve a client (by client id) or a resource server (by URI) for the organization',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params: approvalParams,
    body: z.object({ ref: z.string().min(1).max(2000) }).strict(),
    response: approvalSchema,
    handler: async ({ params, body, caller, deps, audit }) => {
      const approval = await approve(deps.db, params.orgId, params.kind, body.ref, caller.actor.id);
      await audit({
        orgId: params.orgId,
        action: `${params.kind}.approved`,
        target: { type: params.kind, id: body.ref },
      });
      return approval;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/approvals/{kind}',
    operationId: 'withdrawApproval',
    summary: 'Withdraw an approval (new authorizations are refused; revoke connected apps to end existing ones)',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params: approvalParams,
    query: z.object({ ref: z.string().min(1).max(2000) }),
    status: 204,
    handler: async ({ params, query, deps, audit }) => {
      if (!(await withdrawApproval(deps.db, params.orgId, params.kind, query.ref))) {
        throw new NotFoundError(`${query.ref} is not approved`);
      }
      await audit({
        orgId: params.orgId,
        action: `${params.kind}.approval_withdrawn`,
        target: { type: params.kind, id: query.ref },
      });
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/connected-apps',
    operationId: 'listConnectedApps',
    summary: 'Grants in the organization: admins see all, members their own',
    tag: 'Connected apps',
    access: { kind: 'org', action: 'grants.own' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery,
    response: pageOf(connectedAppSchema, 'ConnectedApp'),
    handler: ({ params, query, caller, deps }) => {
      const userId = can(caller.standing ?? 'member', 'grants.manage') ? undefined : caller.userId;
      return listConnectedApps(deps.db, params.orgId, { userId }, query);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/connected-apps/{grantId}',
    operationId: 'revokeConnectedApp',
    summary: 'Revoke a grant and its tokens (your own; admins any)',
    tag: 'Connected apps',
    access: { kind: 'org', action: 'grants.own' },
    params: z.object({ orgId: orgIdParam, grantId: grantIdParam }),
    status: 204,
    handler: async ({ params, caller, deps, audit }) => {
      const link = await findGrantOfOrganization(deps.db, params.orgId, params.grantId);
      if (!link) throw new NotFoundError(`grant ${params.grantId} does not exist`);
      if (link.userId !== caller.userId) authorize(caller.standing ?? 'member', 'grants.manage');
      await revokeConnectedApp(deps.provider, deps.db, deps.publisher, params.orgId, params.grantId);
      await audit({
        orgId: params.orgId,
        action: 'grant.revoked',
        target: { type: 'grant', id: params.grantId },
        data: { userId: link.userId, clientId: link.clientId },
      });
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/audit',
    operationId: 'listAuditEvents',
    summary: 'The organization’s audit log, newest first',
    tag: 'Audit',
    access: { kind: 'org', action: 'audit.read' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery.extend({ action: z.string().max(100).optional() }),
    response: pageOf(auditEventSchema, 'AuditEvent'),
    handler: ({ params, query, deps }) => listAudit(deps.db, params.orgId, query, { action: query.action }),
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/audit/token-issuance',
    operationId: 'listTokenIssuance',
    summary: 'Access tokens issued per client and day (counted, not listed)',
    tag: 'Audit',
    access: { kind: 'org', action: 'audit.read' },
    params: z.object({ orgId: orgIdParam }),
    response: z.object({
      items: z.array(z.object({ clientId: z.string(), day: z.string(), count: z.number().int() })),
    }),
    handler: async ({ params, deps }) => {
      return { items: await listTokenIssuance(deps.db, params.orgId, 1000) };
    },
  }),
];
