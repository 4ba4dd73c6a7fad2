import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import {
  describeOrganization,
  listAllOrganizations,
  presentOrganization,
  updateOrganization,
  updateOrganizationSchema,
} from '../../orgs/admin.js';
import { policySchema, setAppPolicy } from '../../orgs/approvals.js';
import { deleteOrganization } from '../../orgs/deletion.js';
import { transferOwnership } from '../../orgs/members.js';
import { createOrganizationSchema } from '../../orgs/schema.js';
import { createOrganization } from '../../orgs/service.js';
import { emailSchema } from '../../users/schema.js';
import { findUserByEmail } from '../../users/service.js';
import { defineRoute } from '../route.js';
import { organizationSchema, orgParams, pageOf, pageQuery, userIdParam } from '../schemas.js';

export const organizationRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs',
    operationId: 'listOrganizations',
    summary: 'Every organization with its teams count (operators)',
    tag: 'Platform',
    access: { kind: 'platform' },
    query: pageQuery,
    response: pageOf(organizationSchema, 'Organization'),
    handler: ({ query, deps }) => listAllOrganizations(deps.db, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs',
    operationId: 'createOrganization',
    summary: 'Create a company organization with a first owner (operators)',
    tag: 'Platform',
    access: { kind: 'platform' },
    body: createOrganizationSchema.extend({ ownerEmail: emailSchema }).strict(),
    response: organizationSchema,
    status: 201,
    handler: async ({ body, deps, audit }) => {
      const owner = await findUserByEmail(deps.db, body.ownerEmail);
      if (!owner) throw new NotFoundError(`nobody has signed up with ${body.ownerEmail}`);
      const org = await createOrganization(deps.db, body, owner._id);
      await audit({ orgId: org._id, action: 'org.created', target: { type: 'organization', id: org._id } });
      return presentOrganization(org, { teamsCount: 0 });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}',
    operationId: 'getOrganization',
    summary: 'An organization with its members and teams counts',
    tag: 'Organizations',
    access: { kind: 'org', action: 'org.read' },
    params: orgParams,
    response: organizationSchema,
    handler: ({ params, deps }) => describeOrganization(deps.db, params.orgId),
  }),
  defineRoute({
    method: 'patch',
    path: '/orgs/{orgId}',
    operationId: 'updateOrganization',
    summary: 'Rename or describe the organization (owners, operators)',
    tag: 'Organizations',
    access: { kind: 'org', action: 'org.update' },
    params: orgParams,
    body: updateOrganizationSchema,
    response: organizationSchema,
    handler: async ({ params, body, deps, audit }) => {
      const org = await updateOrganization(deps.db, params.orgId, body);
      await audit({
        orgId: params.orgId,
        action: 'org.updated',
        target: { type: 'organization', id: params.orgId },
        data: body,
      });
      return org;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}',
    operationId: 'deleteOrganization',
    summary: 'Delete the organization: members, keys, clients and grants go, teams are detached and kept',
    tag: 'Organizations',
    access: { kind: 'org', action: 'org.delete' },
    params: orgParams,
    status: 204,
    handler: async ({ params, deps, audit }) => {
      const result = await deleteOrganization(deps.provider, deps.db, deps.publisher, params.orgId);
      await audit({
        orgId: params.orgId,
        action: 'org.deleted',
        target: { type: 'organization', id: params.orgId },
        data: result,
      });
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/ownership',
    operationId: 'transferOwnership',
    summary: 'Hand ownership to another member; the previous owner becomes an admin',
    tag: 'Members',
    access: { kind: 'org', action: 'ownership.transfer' },
    params: orgParams,
    body: z.object({ userId: userIdParam }).strict(),
    response: z.object({ orgId: z.string(), ownerId: z.string(), previousOwnerId: z.string() }),
    handler: async ({ params, body, caller, deps, audit }) => {
      if (!caller.userId) throw new ForbiddenError('an operator changes roles instead of transferring ownership');
      const result = await transferOwnership(deps.db, params.orgId, caller.userId, body.userId);
      await audit({ orgId: params.orgId, action: 'ownership.transferred', target: { type: 'user', id: body.userId } });
      return result;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/orgs/{orgId}/policy',
    operationId: 'setAppPolicy',
    summary: 'Allow any third-party client or resource server, or only approved ones',
    tag: 'Approvals',
    access: { kind: 'org', action: 'approvals.manage' },
    params: orgParams,
    body: policySchema,
    response: z.object({ clientPolicy: z.enum(['any', 'approved']), resourcePolicy: z.enum(['any', 'approved']) }),
    handler: async ({ params, body, deps, audit }) => {
      const policy = await setAppPolicy(deps.db, params.orgId, body);
      await audit({
        orgId: params.orgId,
        action: 'policy.changed',
        target: { type: 'organization', id: params.orgId },
        data: policy,
      });
      return policy;
    },
  }),
];
